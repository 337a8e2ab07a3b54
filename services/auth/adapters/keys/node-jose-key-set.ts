import type { KeyObject } from 'node:crypto';
import type { AuthEvents } from '../../domain/auth-events.js';
import type { JsonWebKeySet, KeyRotation, SigningKeySet, RotatedKey, SigningKey } from '../../domain/tokens/signing-key-set.js';
import { keyFileWritable, readKeyFile } from './key-file.js';
import { pollEvery } from './key-file-poller.js';
import { isExpiredRetiree } from './key-set-changes.js';
import { KeyFileError, MIN_RSA_BITS, keySetHash, parseKeySet, type LoadedKey } from './key-set-format.js';
import { createKeySetFile, rotateKeySetFile } from './key-set-operations.js';

/** Where the store reports reloads and refused files; pino's logger fits. Never given key material. */
export interface KeyStoreLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface NodeJoseKeySetOptions {
  /** Path of the key set file (AUTH_SIGNING_KEY_FILE). */
  file: string;
  /** RSA modulus size for a generated key; at least 2048. */
  modulusBits?: number;
  now?: () => number;
  /** Milliseconds between a rotation and the moment its new key starts signing. Default 0. */
  publishDelayMs?: number;
  /**
   * Milliseconds a replaced key stays published after the newer key started signing: at least the
   * access-token lifetime plus verifier clock tolerance. Default: kept forever.
   */
  retiredKeyRetentionMs?: number;
  /**
   * Milliseconds between checks of the file for a new set (KEY_FILE_POLL_SECONDS): how replicas
   * sharing the file learn of a rotation made elsewhere. Default: no polling (`reload()` only).
   */
  pollIntervalMs?: number;
  log?: KeyStoreLog;
  /** Where each rotation and each reload that took a new set is reported (audit trail: kids only). */
  events?: Pick<AuthEvents, 'signingKeysChanged'>;
}

const SILENT: KeyStoreLog = { info: () => undefined, error: () => undefined };
const UNREPORTED: Pick<AuthEvents, 'signingKeysChanged'> = { signingKeysChanged: () => undefined };

/**
 * SigningKeySet over a node-jose key set persisted as one JSON file (mode 0600, written atomically),
 * which may be shared by several replicas (a volume or a mounted Secret). Each replica re-reads
 * the file when its content changes, so a rotation by any replica or by the keys CLI reaches
 * every replica within the poll interval; a changed file that does not parse is refused and the
 * loaded set stays in use.
 */
export class NodeJoseKeySet implements SigningKeySet, KeyRotation {
  /** Rotations and reloads run one after another, so a reload never undoes a rotation in memory. */
  private serial: Promise<unknown> = Promise.resolve();
  /** Hash of the last file content refused, so a bad file is logged once, not on every poll. */
  private refused: string | null = null;
  private stopPolling: () => void = () => undefined;

  private constructor(
    private keys: LoadedKey[],
    /** Hash of the file content `keys` came from. */
    private loadedHash: string,
    private readonly now: () => number,
    private readonly options: Required<Pick<NodeJoseKeySetOptions, 'file' | 'modulusBits' | 'publishDelayMs' | 'retiredKeyRetentionMs' | 'log' | 'events'>>,
  ) {}

  /**
   * Loads the key set from `file`, or on first start generates an RSA key and persists it there.
   * A file that exists but cannot be read as a key set stops start-up instead of being replaced:
   * replacing it would silently invalidate every token in circulation.
   */
  static async open({
    file,
    modulusBits = MIN_RSA_BITS,
    now = Date.now,
    publishDelayMs = 0,
    retiredKeyRetentionMs = Number.POSITIVE_INFINITY,
    pollIntervalMs,
    log = SILENT,
    events = UNREPORTED,
  }: NodeJoseKeySetOptions): Promise<NodeJoseKeySet> {
    const { text } = await createKeySetFile(file, { modulusBits, now: now() });
    const { keys } = await parseKeySet(file, text);
    const store = new NodeJoseKeySet(keys, keySetHash(text), now, { file, modulusBits, publishDelayMs, retiredKeyRetentionMs, log, events });
    if (pollIntervalMs !== undefined && pollIntervalMs > 0) store.stopPolling = pollEvery(pollIntervalMs, () => store.reload());
    if (!(await keyFileWritable(file))) {
      log.info({ file }, 'signing key file is read-only here: POST /admin/keys/rotate answers 409; rotate with the keys CLI and update the mounted file');
    }
    return store;
  }

  currentSigningKey(): SigningKey {
    const now = this.now();
    // Newest key whose activation time has come; keys are sorted by activation, oldest first.
    const active = this.keys.filter((key) => key.activatesAt <= now).at(-1) ?? this.keys[0];
    if (!active) throw new Error('no signing key loaded');
    return { kid: active.kid, privateKey: active.privateKey };
  }

  verificationKey(kid: string): KeyObject | null {
    return this.published().find((key) => key.kid === kid)?.publicKey ?? null;
  }

  publicJwks(): JsonWebKeySet {
    // Newest first, the order JWKS consumers conventionally expect.
    return { keys: this.published().map((key) => ({ ...key.jwk })).reverse() };
  }

  rotate(): Promise<RotatedKey> {
    return this.inTurn(async () => {
      const { file, modulusBits, publishDelayMs, retiredKeyRetentionMs } = this.options;
      const rotated = await rotateKeySetFile(file, { modulusBits, now: this.now(), publishDelayMs, retiredKeyRetentionMs });
      this.take(rotated.keys, keySetHash(rotated.text));
      this.options.events.signingKeysChanged({ change: 'rotated', kid: rotated.kid, activatesAt: rotated.activatesAt });
      return { kid: rotated.kid, activatesAt: rotated.activatesAt };
    });
  }

  /**
   * Re-reads the file and takes its set when the content changed and parses; resolves whether a
   * new set was taken. A missing, unreadable or invalid file is refused with one logged error
   * (file and reason only) and the loaded set stays in use, so readiness is unaffected.
   */
  reload(): Promise<boolean> {
    return this.inTurn(() => this.reloadNow());
  }

  /** Stops polling and waits for a rotation or reload in progress. */
  async close(): Promise<void> {
    this.stopPolling();
    await this.serial;
  }

  private async reloadNow(): Promise<boolean> {
    const { file, log } = this.options;
    let text: string | null;
    try {
      text = await readKeyFile(file);
    } catch (err) {
      const code = String((err as NodeJS.ErrnoException).code ?? 'unknown');
      this.refuse(`unreadable:${code}`, { file, code }, 'signing key file cannot be read; keeping the loaded key set');
      return false;
    }
    if (text === null) {
      this.refuse('missing', { file }, 'signing key file is gone; keeping the loaded key set');
      return false;
    }
    const hash = keySetHash(text);
    if (hash === this.loadedHash) {
      this.refused = null;
      return false;
    }
    if (hash === this.refused) return false;
    try {
      const { keys } = await parseKeySet(file, text);
      this.take(keys, hash);
    } catch (err) {
      // KeyFileError messages name the file and the problem only; anything else is not shown.
      const reason = err instanceof KeyFileError ? err.message : 'the key set could not be loaded';
      this.refuse(hash, { file, reason }, 'signing key file changed but was refused; keeping the loaded key set');
      return false;
    }
    const reloaded = { kids: this.keys.map((key) => key.kid), signingKid: this.currentSigningKey().kid };
    log.info({ file, ...reloaded }, 'signing key set reloaded');
    this.options.events.signingKeysChanged({ change: 'reloaded', ...reloaded });
    return true;
  }

  private take(keys: LoadedKey[], hash: string): void {
    this.keys = keys;
    this.loadedHash = hash;
    this.refused = null;
  }

  private refuse(marker: string, details: object, message: string): void {
    if (this.refused === marker) return;
    this.refused = marker;
    this.options.log.error(details, message);
  }

  private inTurn<T>(task: () => Promise<T>): Promise<T> {
    const next = this.serial.then(task);
    this.serial = next.catch(() => undefined);
    return next;
  }

  /** Keys still published now: every key except those replaced longer ago than the retention. */
  private published(): LoadedKey[] {
    const now = this.now();
    return this.keys.filter((_, index) => !isExpiredRetiree(this.keys, index, now, this.options.retiredKeyRetentionMs));
  }
}
