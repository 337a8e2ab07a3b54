import { UsageError } from '../cli.js';
import { parseArgs } from 'node:util';
import { createKeySetFile, describeKeySetFile, parseKeySet, rotateKeySetFile, type KeyDescription } from '../../services/auth/signing-key-file.js';
import { DEFAULT_KEY_PUBLISH_DELAY_SECONDS } from '../../services/auth/config.js';


/** A refusal the operator must act on (file exists, file invalid, read-only): exit code 1. */
export class RefusedError extends Error {
  override name = 'RefusedError';
}

/** Same default and the same 60 s clock tolerance as the service (ACCESS_TOKEN_TTL, start.ts). */
const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 900;
const RETIRED_KEY_TOLERANCE_SECONDS = 60;

export const USAGE = `usage: npm run keys -- <command> --file <path> [options]
       (in the image: node dist/scripts/keys.js <command> --file <path> [options])

  init    creates a key set with one RSA key at <path>; refuses to overwrite an existing file
  rotate  adds a new key: published at once, signing after --publish-delay; drops keys retired
          longer than the access-token lifetime + 60 s ago. The file is replaced atomically.
  show    lists kid, status, activation and retirement of every key (never private members)

  --file <path>                the key set (what AUTH_SIGNING_KEY_FILE points at)
  --bits <n>                   RSA modulus of a new key (init, rotate); default 2048, at least 2048
  --publish-delay <seconds>    rotate: seconds until the new key signs; default $KEY_PUBLISH_DELAY_SECONDS or ${DEFAULT_KEY_PUBLISH_DELAY_SECONDS}
  --access-token-ttl <seconds> rotate, show: the service's ACCESS_TOKEN_TTL; default $ACCESS_TOKEN_TTL or ${DEFAULT_ACCESS_TOKEN_TTL_SECONDS}
  --json                       print JSON instead of text

exit codes: 0 done, 1 refused (file exists, missing, invalid or read-only), 2 bad command line`;

/** Runs one command; `out` receives what the operator reads, never key material. */
export async function runKeysCommand(argv: string[], out: (line: string) => void, env: Record<string, string | undefined> = process.env): Promise<void> {
  const { values, positionals } = parse(argv);
  const [command, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  const file = values.file;
  if (!file) throw new UsageError('--file <path> is required');
  const modulusBits = wholeNumber('--bits', values.bits, 2048);
  const ttl = wholeNumber('--access-token-ttl', values['access-token-ttl'] ?? env.ACCESS_TOKEN_TTL, DEFAULT_ACCESS_TOKEN_TTL_SECONDS);
  if (modulusBits < 2048) throw new UsageError('--bits must be at least 2048');
  const retiredKeyRetentionMs = (ttl + RETIRED_KEY_TOLERANCE_SECONDS) * 1000;
  const print = (json: unknown, text: () => void) => (values.json ? out(JSON.stringify(json, null, 2)) : text());

  switch (command) {
    case 'init': {
      const { created, text } = await createKeySetFile(file, { modulusBits });
      if (!created) throw new RefusedError(`${file} already exists; not overwritten (a new key set would invalidate every token in circulation)`);
      const [key] = (await parseKeySet(file, text)).keys;
      print({ file, kid: key?.kid }, () => out(`created ${file}\nkid ${key?.kid ?? '?'} signs from now`));
      return;
    }
    case 'rotate': {
      // $KEY_PUBLISH_DELAY_SECONDS, else the service's own default: `keys rotate` and
      // POST /admin/keys/rotate wait the same time. Where the new file takes long to reach the
      // replicas (Secret update, kubelet sync, KEY_FILE_POLL_SECONDS), pass a longer --publish-delay.
      const publishDelayMs = wholeNumber('--publish-delay', values['publish-delay'] ?? env.KEY_PUBLISH_DELAY_SECONDS, DEFAULT_KEY_PUBLISH_DELAY_SECONDS) * 1000;
      const rotated = await rotateKeySetFile(file, { modulusBits, publishDelayMs, retiredKeyRetentionMs });
      const keys = await describeKeySetFile(file, { retiredKeyRetentionMs });
      print({ file, kid: rotated.kid, activates_at: rotated.activatesAt.toISOString(), keys }, () => {
        out(`rotated ${file}\nnew kid ${rotated.kid}: published now, signs from ${rotated.activatesAt.toISOString()}`);
        out('now put this file where every replica reads it (update the Secret); replicas reload it within KEY_FILE_POLL_SECONDS');
        printTable(keys, out);
      });
      return;
    }
    case 'show': {
      const keys = await describeKeySetFile(file, { retiredKeyRetentionMs });
      print({ file, keys }, () => printTable(keys, out));
      return;
    }
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'a command is required');
  }
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: 'string' },
        bits: { type: 'string' },
        'publish-delay': { type: 'string' },
        'access-token-ttl': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** A whole, non-negative number option (seconds or bits). */
function wholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new UsageError(`${name} must be a whole number, got ${value}`);
  return parsed;
}

function printTable(keys: KeyDescription[], out: (line: string) => void): void {
  out(['kid', 'status', 'created', 'signs from', 'replaced at', 'unpublished at'].join('\t'));
  for (const key of keys) {
    out([key.kid, key.status, key.createdAt, key.activatesAt, key.replacedAt ?? '-', key.unpublishedAt ?? '-'].join('\t'));
  }
}
