/**
 * Keyspace notifications (notify-keyspace-events). The state machine records events of the
 * enabled classes while applying an entry; after the entry's replies the server publishes
 * them on `__keyspace@<db>__:<key>` (message: event) and `__keyevent@<db>__:<event>`
 * (message: key), as Redis does.
 */
import type { PubSub } from './pubsub.js';

const CLASS_ORDER = 'g$lshzxetdn';
const ALL = 'g$lshzxetd';
const VALID = 'Ag$lshzxeKEtmdn';

export interface NotifyFlags {
  /** Event classes (g $ l s h z x e t d n m). */
  classes: string;
  keyspace: boolean;
  keyevent: boolean;
}

/** Parses a flags string; null if it has a character Redis rejects. */
export function parseNotifyFlags(s: string): NotifyFlags | null {
  let classes = '';
  let keyspace = false;
  let keyevent = false;
  for (const ch of s) {
    if (!VALID.includes(ch)) return null;
    if (ch === 'A') classes += ALL;
    else if (ch === 'K') keyspace = true;
    else if (ch === 'E') keyevent = true;
    else classes += ch;
  }
  return { classes: [...new Set(classes)].join(''), keyspace, keyevent };
}

/** Redis's canonical text of the flags (what CONFIG GET shows). */
export function formatNotifyFlags(f: NotifyFlags): string {
  let out = '';
  if ([...ALL].every((c) => f.classes.includes(c))) out = 'A';
  else for (const c of CLASS_ORDER) if (f.classes.includes(c)) out += c;
  if ([...ALL].every((c) => f.classes.includes(c)) && f.classes.includes('n')) out += 'n';
  if (f.keyspace) out += 'K';
  if (f.keyevent) out += 'E';
  if (f.classes.includes('m')) out += 'm';
  return out;
}

export function checkNotifyFlags(s: string): string | null {
  return parseNotifyFlags(s) === null ? "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." : null;
}

/** CONFIG GET's text: Redis prints `A` without the `n` it still keeps (keyspaceEventsFlagsToString
 * tests `n` only when not every class of `A` is on), so `KEAn` reads back as `AKE`. */
export function displayNotifyFlags(stored: string): string {
  return stored.startsWith('An') ? `A${stored.slice(2)}` : stored;
}

export function normalizeNotifyFlags(s: string): string {
  const f = parseNotifyFlags(s);
  return f === null ? s : formatNotifyFlags(f);
}

/** The classes the state machine should record: none unless K or E is on. */
export function activeClasses(f: NotifyFlags): string {
  return f.keyspace || f.keyevent ? f.classes : '';
}

export function publishEvents(pubsub: PubSub, f: NotifyFlags, events: (string | number | Buffer)[]): void {
  for (let i = 0; i < events.length; i += 4) {
    const event = events[i + 1] as string;
    const db = events[i + 2] as number;
    const key = events[i + 3] as Buffer;
    if (f.keyspace)
      pubsub.publish(Buffer.concat([Buffer.from(`__keyspace@${db}__:`), key]), Buffer.from(event));
    if (f.keyevent) pubsub.publish(Buffer.from(`__keyevent@${db}__:${event}`), key);
  }
}
