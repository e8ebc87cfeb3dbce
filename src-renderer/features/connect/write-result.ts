import type { WriteResult } from '../../api/types.js';

/** What "Add to <file>" did, in one sentence. */
export function describeWrite(result: WriteResult): string {
  const backup = result.backupPath ? ` The previous file is saved as ${result.backupPath}.` : '';
  switch (result.change) {
    case 'created':
      return `Created ${result.path}.`;
    case 'added':
      return `Added the entry to ${result.path}.${backup}`;
    case 'updated':
      return `Replaced the entry in ${result.path}.${backup}`;
    case 'unchanged':
      return `${result.path} already has this entry; nothing changed.`;
  }
}
