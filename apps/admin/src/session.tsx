import { createContext, useContext } from 'react';
import type { Catalog, Role, User } from './api.ts';

export interface SessionValue {
  user: User;
  catalog: Catalog;
  /**
   * The tenant the pages read and manage: a person's own; for the operator the one chosen in the
   * tenant switcher, or undefined for "all tenants" (reads only; managing people and keys needs one).
   */
  tenant: string | undefined;
  /** The operator's choice of tenant; a no-op for everyone else. */
  setTenant(tenant: string | undefined): void;
  /** Tenants the operator can switch between (empty for everyone else). */
  tenants: string[];
  /** `source/action` → the catalog entry, for labels and product names. */
  actionLabel(source: string, action: string): string;
  productName(source: string, action: string): string | undefined;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside the signed-in shell');
  return value;
}

/** Viewers read asset histories only; the server refuses them the rest anyway. */
export function canReadLog(user: User): boolean {
  return user.role !== 'viewer';
}

/** Export needs the "export" right: auditors and up. */
export function canExport(user: User): boolean {
  return user.role !== 'viewer';
}

/** People, keys and tenant settings: admins, owners and the operator (the server checks the same). */
export function canAdmin(user: User): boolean {
  return user.role === 'admin' || user.role === 'owner' || user.role === 'operator';
}

/** The operator token has no session, so no password or session list to manage. */
export function hasAccount(user: User): boolean {
  return user.id !== 'token';
}

/** What a key made by this role may hold (the server caps keys by their creator's role on every use). */
export const ROLE_KEY_SCOPES: Record<Role, readonly string[]> = {
  owner: ['ingest', 'read', 'export', 'admin'],
  admin: ['ingest', 'read', 'export', 'admin'],
  operator: ['ingest', 'read', 'export', 'admin'],
  auditor: ['read', 'export'],
  viewer: [],
};
