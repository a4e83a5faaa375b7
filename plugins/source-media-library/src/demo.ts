import { base as baseLocale, en, Faker } from '@faker-js/faker';
import {
  createDemoRandom,
  type DemoOptions,
  type DemoRandom,
  type DemoRecord,
  demoTimes,
} from '@trailmark/core';
import type { MediaLibraryAsset, MediaLibraryNative } from './native.ts';
import type { MediaLibraryOperation } from './plugin.ts';

interface DemoFile {
  id: string;
  name: string;
  folder: DemoFolder;
  size: number;
  mimeType: string;
  versions: number;
  tags: string[];
  links: string[];
}
interface DemoFolder {
  id: string;
  path: string;
  name: string;
}
interface Person {
  id: string;
  name: string;
  email: string;
  ip: string;
  userAgent: string;
}
interface TenantPool {
  tenant: string;
  host: string;
  people: Person[];
  apiKeys: { id: string; name: string; ip: string; userAgent: string }[];
  folders: DemoFolder[];
  files: DemoFile[];
  collections: { id: string; name: string; items: DemoFile[] }[];
  nouns: string[];
  groups: { id: string; name: string }[];
}

const TAGS = [
  'hero',
  'banner',
  'product',
  'lifestyle',
  'summer',
  'winter',
  'sale',
  'homepage',
  'social',
  'print',
];
const AUTO_TAGS = ['person', 'outdoor', 'tree', 'sky', 'car', 'food', 'text', 'smile', 'building', 'water'];
const EXTENSIONS = ['remove-bg', 'google-auto-tagging', 'aws-auto-tagging', 'ai-auto-description'];
const TYPES = [
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['webp', 'image/webp'],
  ['mp4', 'video/mp4'],
  ['svg', 'image/svg+xml'],
] as const;
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
] as const;
const WEIGHTS: { value: MediaLibraryOperation; weight: number }[] = [
  { value: 'FILE_TAGS_ADD', weight: 150 },
  { value: 'FILE_TAGS_REMOVE', weight: 40 },
  { value: 'FILE_AUTO_TAGS_ADD', weight: 80 },
  { value: 'FILE_AUTO_TAGS_REMOVE', weight: 20 },
  { value: 'FILE_CUSTOM_METADATA_UPDATE', weight: 100 },
  { value: 'FILE_RENAME', weight: 80 },
  { value: 'FILE_MOVE', weight: 80 },
  { value: 'FILE_DELETE', weight: 60 },
  { value: 'FILE_VERSION_CREATE', weight: 80 },
  { value: 'FILE_VERSION_RESTORE', weight: 20 },
  { value: 'FILE_VERSION_DELETE', weight: 20 },
  { value: 'FILE_EXTENSION_APPLY', weight: 40 },
  { value: 'PUBLIC_LINK_ADD', weight: 40 },
  { value: 'PUBLIC_LINK_UPDATE', weight: 15 },
  { value: 'PUBLIC_LINK_REMOVE', weight: 15 },
  { value: 'FILE_SHARE', weight: 40 },
  { value: 'FOLDER_SHARE', weight: 15 },
  { value: 'COLLECTION_SHARE', weight: 10 },
  { value: 'COLLECTION_ITEMS_ADD', weight: 50 },
  { value: 'COLLECTION_ITEMS_REMOVE', weight: 20 },
  { value: 'COLLECTION_RENAME', weight: 5 },
  { value: 'COLLECTION_DELETE', weight: 3 },
  { value: 'DRAFT_CREATE', weight: 20 },
  { value: 'DRAFT_PUBLISH', weight: 15 },
  { value: 'DRAFT_DISCARD', weight: 5 },
  { value: 'FOLDER_RENAME', weight: 8 },
  { value: 'FOLDER_MOVE', weight: 4 },
  { value: 'FOLDER_DELETE', weight: 2 },
];

const hexId = (rng: DemoRandom) => rng.hex(24);
const pathOf = (f: DemoFile) => `${f.folder.path === '/' ? '' : f.folder.path}/${f.name}`;

function tenantPool(faker: Faker, rng: DemoRandom, tenant: string): TenantPool {
  const company =
    faker.company
      .name()
      .replace(/[^A-Za-z0-9]+/g, '')
      .toLowerCase()
      .slice(0, 20) || 'acme';
  const nouns = Array.from({ length: 80 }, () =>
    faker.word
      .noun()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-'),
  );
  const people = Array.from({ length: rng.between(15, 40) }, (): Person => {
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    return {
      id: `usr_${rng.hex(8)}`,
      name: `${first} ${last}`,
      email: faker.internet
        .email({ firstName: first, lastName: last, provider: `${company}.com` })
        .toLowerCase(),
      ip: rng.publicIpv4(),
      userAgent: rng.pick(USER_AGENTS),
    };
  });
  const top = ['marketing', 'products', 'brand', 'campaigns', 'social', 'forest', 'archive'];
  const folders: DemoFolder[] = [{ id: hexId(rng), path: '/', name: '' }];
  for (const name of top) {
    folders.push({ id: hexId(rng), path: `/${name}`, name });
    for (let i = 0; i < 2; i++) {
      const child = rng.pick(nouns);
      folders.push({ id: hexId(rng), path: `/${name}/${child}`, name: child });
    }
  }
  const pool: TenantPool = {
    tenant,
    host: `ik.imagekit.io/${company}`,
    people,
    apiKeys: ['CMS sync', 'Storefront build'].map((name) => ({
      id: `public_${rng.id(10)}`,
      name,
      ip: rng.publicIpv4(),
      userAgent: rng.pick(['imagekit-nodejs/5.2.0', 'imagekit-python/4.1.0']),
    })),
    folders,
    files: [],
    collections: [],
    nouns,
    groups: ['Design', 'Agency partners', 'Regional marketing'].map((name) => ({
      id: `grp_${rng.id(6)}`,
      name,
    })),
  };
  for (let i = 0; i < 150; i++) pool.files.push(newFile(rng, pool));
  pool.collections = Array.from({ length: 5 }, () => ({
    id: `col_${rng.hex(6)}`,
    name: `${rng.pick(nouns)} ${rng.pick(['campaign', 'lookbook', 'launch', 'moodboard'])}`,
    items: [],
  }));
  return pool;
}

/**
 * `name`, or `name-2`, `name-3`, ... : the first that no live file in `folder` has, since the product
 * keeps one file per path (so a path's history is one asset at a time, as in the product).
 */
function freeName(pool: TenantPool, folder: DemoFolder, name: string, self?: DemoFile): string {
  const dot = name.lastIndexOf('.');
  const [base, ext] = [name.slice(0, dot), name.slice(dot)];
  const taken = (candidate: string) =>
    pool.files.some((f) => f !== self && f.folder === folder && f.name === candidate);
  let candidate = name;
  for (let n = 2; taken(candidate); n++) candidate = `${base}-${n}${ext}`;
  return candidate;
}

function newFile(rng: DemoRandom, pool: TenantPool): DemoFile {
  const [ext, mimeType] = rng.pick(TYPES);
  const folder = rng.pick(pool.folders);
  return {
    id: hexId(rng),
    name: freeName(
      pool,
      folder,
      `${rng.pick(pool.nouns)}${rng.chance(0.3) ? `-${rng.between(1, 99)}` : ''}.${ext}`,
    ),
    folder,
    size: ext === 'mp4' ? rng.between(2_000_000, 400_000_000) : rng.between(20_000, 8_000_000),
    mimeType,
    versions: 1,
    tags: [],
    links: [],
  };
}

function fileAsset(f: DemoFile, extra: Partial<MediaLibraryAsset> = {}): MediaLibraryAsset {
  return {
    id: f.id,
    type: 'file',
    name: f.name,
    path: pathOf(f),
    size: f.size,
    mimeType: f.mimeType,
    ...extra,
  };
}

/**
 * Believable media-library activity: files get tagged, described, versioned, shared, linked publicly,
 * renamed, moved and eventually deleted (so per-path history and deletion history have real stories),
 * folders and collections change too, with the occasional permission denial and failed extension.
 */
export function* mediaLibraryDemo(options: DemoOptions): Generator<DemoRecord<MediaLibraryNative>> {
  const faker = new Faker({ locale: [en, baseLocale], seed: options.seed });
  const rng = createDemoRandom(options.seed ^ 0x3d1a);
  const pools = options.tenants.map((t) => tenantPool(faker, rng, t));
  const times = demoTimes(rng, options);
  let last: { pool: TenantPool; who: Person; file: DemoFile } | undefined;
  for (let i = 0; i < options.count; i++) {
    const sticky = last !== undefined && rng.chance(0.6);
    const pool = sticky && last ? last.pool : rng.pick(pools);
    const who = sticky && last ? last.who : rng.pick(pool.people);
    if (pool.files.length < 40) for (let k = 0; k < 20; k++) pool.files.push(newFile(rng, pool));
    const file = sticky && last && pool.files.includes(last.file) ? last.file : rng.pick(pool.files);
    last = { pool, who, file };
    const operation = rng.weighted(WEIGHTS);
    const viaApi = rng.chance(0.15) && operation.startsWith('FILE_') && !operation.includes('SHARE');
    const key = rng.pick(pool.apiKeys);
    const denied = rng.chance(0.02);
    const failed = !denied && rng.chance(0.004);
    const n = i.toString(36);
    let method: MediaLibraryNative['method'] = 'PATCH';
    let endpoint = `/v1/files/${file.id}/details`;
    let asset: MediaLibraryAsset = fileAsset(file);
    let details: MediaLibraryNative['details'];
    let requestBody: unknown;
    let responseBody: unknown;
    let apply = () => {};
    switch (operation) {
      case 'FILE_TAGS_ADD':
      case 'FILE_AUTO_TAGS_ADD': {
        const tags = rng
          .shuffle(operation === 'FILE_TAGS_ADD' ? TAGS : AUTO_TAGS)
          .slice(0, rng.between(1, 3));
        method = 'POST';
        endpoint = operation === 'FILE_TAGS_ADD' ? '/v1/files/addTags' : '/v1/files/autoTag';
        details = { tags };
        requestBody = { fileIds: [file.id], tags };
        apply = () => {
          file.tags = [...new Set([...file.tags, ...tags])];
        };
        break;
      }
      case 'FILE_TAGS_REMOVE':
      case 'FILE_AUTO_TAGS_REMOVE': {
        const tags = file.tags.length > 0 ? [rng.pick(file.tags)] : [rng.pick(TAGS)];
        method = 'POST';
        endpoint = operation === 'FILE_TAGS_REMOVE' ? '/v1/files/removeTags' : '/v1/files/removeAITags';
        details = { tags };
        requestBody = { fileIds: [file.id], tags };
        apply = () => {
          file.tags = file.tags.filter((t) => !tags.includes(t));
        };
        break;
      }
      case 'FILE_CUSTOM_METADATA_UPDATE': {
        const before = { brand: rng.pick(['Northwind', 'Acme']), usage: 'web' };
        const after = { ...before, usage: rng.pick(['web', 'print', 'social']), reviewed: rng.chance(0.5) };
        details = { customMetadata: { before, after } };
        requestBody = { customMetadata: after };
        break;
      }
      case 'FILE_EXTENSION_APPLY': {
        const ext = rng.pick(EXTENSIONS);
        details = {
          extension: { name: ext, status: failed ? 'failed' : rng.chance(0.2) ? 'pending' : 'completed' },
        };
        requestBody = { extensions: [{ name: ext }] };
        break;
      }
      case 'FILE_RENAME': {
        const previousPath = pathOf(file);
        // The file's own name counts as taken: a rename to the same name is not a rename (the native
        // schema refuses it, and the demo goes through that schema like any payload).
        const name = freeName(
          pool,
          file.folder,
          `${rng.pick(pool.nouns)}-${rng.pick(['final', 'v2', 'edit', 'hq', 'crop'])}.${file.name.split('.').pop()}`,
        );
        method = 'PUT';
        endpoint = '/v1/files/rename';
        asset = fileAsset(file, {
          name,
          path: `${file.folder.path === '/' ? '' : file.folder.path}/${name}`,
          previousPath,
          previousName: file.name,
        });
        requestBody = { filePath: previousPath, newFileName: name, purgeCache: rng.chance(0.5) };
        apply = () => {
          file.name = name;
        };
        break;
      }
      case 'FILE_MOVE': {
        const previousPath = pathOf(file);
        // A move goes somewhere else: the product refuses to move a file into the folder it is in.
        const folder = rng.pick(pool.folders.filter((f) => f.path !== file.folder.path));
        // A name taken in the destination gets a suffix, as the product's "keep both" does.
        const name = freeName(pool, folder, file.name, file);
        method = 'POST';
        endpoint = '/v1/files/move';
        asset = fileAsset(file, {
          name,
          path: `${folder.path === '/' ? '' : folder.path}/${name}`,
          previousPath,
          ...(name !== file.name ? { previousName: file.name } : {}),
        });
        requestBody = { sourceFilePath: previousPath, destinationPath: `${folder.path}/`.replace('//', '/') };
        apply = () => {
          file.folder = folder;
          file.name = name;
        };
        break;
      }
      case 'FILE_DELETE':
      case 'DRAFT_DISCARD':
        method = 'DELETE';
        if (operation === 'FILE_DELETE') {
          endpoint = `/v1/files/${file.id}`;
          apply = () => {
            pool.files.splice(pool.files.indexOf(file), 1);
            for (const c of pool.collections) c.items = c.items.filter((f) => f !== file);
          };
        } else {
          const draft = `drf_${rng.hex(6)}`;
          endpoint = `/api/media-library/files/${file.id}/drafts/${draft}`;
          details = { draft: { id: draft } };
        }
        break;
      case 'FILE_VERSION_CREATE':
        method = 'POST';
        endpoint = '/api/v1/files/upload';
        details = { version: { id: `ver_${rng.hex(8)}`, number: file.versions + 1 } };
        apply = () => {
          file.versions += 1;
        };
        break;
      case 'FILE_VERSION_RESTORE':
      case 'FILE_VERSION_DELETE': {
        const number = rng.between(1, Math.max(1, file.versions));
        const id = `ver_${file.id.slice(0, 6)}${number}`;
        method = operation === 'FILE_VERSION_RESTORE' ? 'PUT' : 'DELETE';
        endpoint = `/v1/files/${file.id}/versions/${id}${operation === 'FILE_VERSION_RESTORE' ? '/restore' : ''}`;
        details = { version: { id, number } };
        break;
      }
      case 'PUBLIC_LINK_ADD':
      case 'PUBLIC_LINK_UPDATE':
      case 'PUBLIC_LINK_REMOVE': {
        const id =
          operation === 'PUBLIC_LINK_ADD' || file.links.length === 0
            ? `pl_${rng.id(6)}`
            : rng.pick(file.links);
        const url = `https://${pool.host}/s/${id.slice(3)}`;
        method =
          operation === 'PUBLIC_LINK_ADD' ? 'POST' : operation === 'PUBLIC_LINK_UPDATE' ? 'PATCH' : 'DELETE';
        endpoint = `/api/media-library/public-links${operation === 'PUBLIC_LINK_ADD' ? '' : `/${id}`}`;
        const expiresAt =
          operation === 'PUBLIC_LINK_REMOVE'
            ? undefined
            : new Date((times[i] as number) + rng.between(1, 60) * 86_400_000).toISOString();
        details = { publicLink: { id, url, ...(expiresAt ? { expiresAt } : {}) } };
        if (operation === 'PUBLIC_LINK_ADD') {
          requestBody = {
            fileId: file.id,
            ...(rng.chance(0.3) ? { password: rng.id(12) } : {}),
            allowDownload: true,
          };
          responseBody = { id, url };
        }
        apply = () => {
          if (operation === 'PUBLIC_LINK_ADD') file.links.push(id);
          if (operation === 'PUBLIC_LINK_REMOVE') file.links = file.links.filter((l) => l !== id);
        };
        break;
      }
      case 'FILE_SHARE':
      case 'FOLDER_SHARE':
      case 'COLLECTION_SHARE': {
        method = 'POST';
        endpoint = '/api/media-library/share';
        const other = rng.pick(pool.people);
        const group = rng.pick(pool.groups);
        const permission = rng.pick(['view', 'comment', 'edit', 'manage'] as const);
        details = {
          sharedWith: rng.chance(0.5)
            ? [{ type: 'user', id: other.id, name: other.name, email: other.email, permission }]
            : [{ type: 'user_group', id: group.id, name: group.name, permission }],
        };
        if (operation === 'FOLDER_SHARE') {
          const folder = rng.pick(pool.folders.slice(1));
          asset = { id: folder.id, type: 'folder', name: folder.name, path: folder.path };
        } else if (operation === 'COLLECTION_SHARE') {
          const c = rng.pick(pool.collections);
          asset = { id: c.id, type: 'collection', name: c.name };
        }
        break;
      }
      case 'COLLECTION_ITEMS_ADD':
      case 'COLLECTION_ITEMS_REMOVE': {
        const c = rng.pick(pool.collections);
        const removing = operation === 'COLLECTION_ITEMS_REMOVE' && c.items.length > 0;
        const item = removing ? rng.pick(c.items) : file;
        method = operation === 'COLLECTION_ITEMS_ADD' ? 'POST' : 'DELETE';
        endpoint = `/api/media-library/collections/${c.id}/items`;
        asset = fileAsset(item);
        details = { collection: { id: c.id, name: c.name }, items: [fileAsset(item)] };
        apply = () => {
          if (operation === 'COLLECTION_ITEMS_ADD') c.items.push(item);
          else c.items = c.items.filter((f) => f !== item);
        };
        break;
      }
      case 'COLLECTION_RENAME':
      case 'COLLECTION_DELETE': {
        const c = rng.pick(pool.collections);
        const renamed = `${rng.pick(pool.nouns)} ${rng.pick(['campaign', 'lookbook', 'launch', 'moodboard'])} ${rng.between(2025, 2027)}`;
        const name = operation === 'COLLECTION_RENAME' ? renamed : c.name;
        method = operation === 'COLLECTION_RENAME' ? 'PATCH' : 'DELETE';
        endpoint = `/api/media-library/collections/${c.id}`;
        asset = {
          id: c.id,
          type: 'collection',
          name,
          ...(operation === 'COLLECTION_RENAME' && name !== c.name ? { previousName: c.name } : {}),
        };
        apply = () => {
          if (operation === 'COLLECTION_RENAME') c.name = name;
          else {
            c.id = `col_${rng.hex(6)}`;
            c.name = `${rng.pick(pool.nouns)} board`;
            c.items = [];
          }
        };
        break;
      }
      case 'DRAFT_CREATE':
      case 'DRAFT_PUBLISH': {
        const draft = `drf_${rng.hex(6)}`;
        method = 'POST';
        endpoint = `/api/media-library/files/${file.id}/drafts${operation === 'DRAFT_PUBLISH' ? `/${draft}/publish` : ''}`;
        details = { draft: { id: draft } };
        break;
      }
      default: {
        // FOLDER_RENAME / FOLDER_MOVE / FOLDER_DELETE on a folder with no folders inside (so no other
        // folder's path goes stale); files inside follow silently, as in the product.
        const taken = new Set(pool.folders.map((f) => f.path));
        const leaves = pool.folders
          .slice(1)
          .filter((f) => !pool.folders.some((o) => o.path.startsWith(`${f.path}/`)));
        const folder = rng.pick(leaves);
        const parent = folder.path.slice(0, folder.path.lastIndexOf('/')) || '';
        const under = (dir: string, name: string) => `${dir === '/' ? '' : dir}/${name}`;
        const newName = rng.pick(pool.nouns.filter((noun) => !taken.has(under(parent || '/', noun))));
        // A move goes into the root or a top-level folder it is not already in, never onto a taken path.
        const destinations = pool.folders.filter(
          (d) =>
            d.path.split('/').length <= 2 &&
            d.path !== (parent || '/') &&
            d !== folder &&
            !taken.has(under(d.path, folder.name)),
        );
        const target =
          operation === 'FOLDER_RENAME'
            ? under(parent || '/', newName)
            : operation === 'FOLDER_MOVE'
              ? destinations.length > 0
                ? under(rng.pick(destinations).path, folder.name)
                : under(parent || '/', newName)
              : folder.path;
        method = operation === 'FOLDER_DELETE' ? 'DELETE' : 'POST';
        endpoint =
          operation === 'FOLDER_RENAME'
            ? '/v1/folder/rename'
            : operation === 'FOLDER_MOVE'
              ? '/v1/bulkJobs/moveFolder'
              : '/v1/folder';
        asset = {
          id: folder.id,
          type: 'folder',
          name: operation === 'FOLDER_RENAME' ? newName : folder.name,
          path: target,
          ...(target !== folder.path ? { previousPath: folder.path } : {}),
          ...(operation === 'FOLDER_RENAME' ? { previousName: folder.name } : {}),
        };
        requestBody = { folderPath: folder.path };
        apply = () => {
          if (operation === 'FOLDER_DELETE') {
            pool.files = pool.files.filter((f) => f.folder !== folder);
            pool.folders.splice(pool.folders.indexOf(folder), 1);
            if (pool.folders.length < 6) {
              const noun = rng.pick(pool.nouns.filter((n) => !taken.has(`/${n}`)));
              pool.folders.push({ id: hexId(rng), path: `/${noun}`, name: noun });
            }
          } else {
            folder.path = target;
            folder.name = asset.name;
          }
        };
      }
    }
    const statusCode = denied ? 403 : failed ? 500 : method === 'DELETE' ? 204 : 200;
    if (statusCode < 400) apply();
    const actor = viaApi
      ? { apiKey: { id: key.id, name: key.name } }
      : { user: { id: who.id, name: who.name, email: who.email } };
    yield {
      tenant: pool.tenant,
      native: {
        id: `dm${options.seed}_${n}`,
        operation,
        createdAt: new Date(times[i] as number).toISOString(),
        ...actor,
        requestId: `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-a${rng.hex(3)}-${rng.hex(12)}`,
        method,
        endpoint,
        statusCode,
        ip: viaApi ? key.ip : who.ip,
        userAgent: viaApi ? key.userAgent : who.userAgent,
        asset,
        ...(details ? { details } : {}),
        ...(requestBody !== undefined ? { requestBody } : {}),
        ...(responseBody !== undefined && statusCode < 400 ? { responseBody } : {}),
        ...(denied
          ? {
              error: {
                code: 'permission_denied',
                message: 'You do not have permission to perform this action',
              },
            }
          : failed
            ? { error: { code: 'internal_error', message: 'Something went wrong, please retry' } }
            : {}),
      },
    };
  }
}
