import { createContext, useContext } from 'react';
import type { Catalog, User } from './api.ts';

export interface SessionValue {
  user: User;
  catalog: Catalog;
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
