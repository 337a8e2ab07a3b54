import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

/**
 * A WebAuthn authenticator in the test process, written from the spec (WebAuthn §6.1 authenticator
 * data, §6.5 `none` attestation, §6.3.3 assertion signatures) with node:crypto's P-256 keys: it
 * lets the API tests forge, replay and tamper with what a browser would send, which Chromium's
 * virtual authenticator (the browser tests) cannot. Only the test side; auth verifies with
 * @simplewebauthn/server.
 */
interface Credential {
  id: string;
  privateKey: KeyObject;
  cose: Uint8Array;
  userHandle: string;
  counter: number;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64url');

export interface SoftAuthenticatorOptions {
  origin: string;
  /** Does it verify the user (PIN, biometric): the UV flag. */
  userVerified?: boolean;
  /** Does it count signatures (a security key) or always report 0 (a synced passkey). */
  counting?: boolean;
}

export class SoftAuthenticator {
  readonly credentials = new Map<string, Credential>();
  constructor(private readonly options: SoftAuthenticatorOptions) {}

  /** navigator.credentials.create() for `options`; the response JSON a browser would send. */
  create(options: PublicKeyCredentialCreationOptionsJSON, overrides: { origin?: string; rpId?: string } = {}): RegistrationResponseJSON {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
      ]),
    );
    const rawId = randomBytes(16);
    const id = b64(rawId);
    const credential: Credential = { id, privateKey, cose, userHandle: options.user.id, counter: 0 };
    this.credentials.set(id, credential);
    const attested = Buffer.concat([Buffer.alloc(16), Buffer.from([0, rawId.length]), rawId, Buffer.from(cose)]);
    const authData = this.authData(overrides.rpId ?? options.rp.id!, FLAG_AT, 0, attested);
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, overrides.origin);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', new Uint8Array(authData)]]) as never);
    return {
      id,
      rawId: id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64(clientDataJSON), attestationObject: b64(attestationObject), transports: ['internal'] },
    };
  }

  /** navigator.credentials.get(): signs with `credentialId`, or the first allowed (or any) credential it holds. */
  get(options: PublicKeyCredentialRequestOptionsJSON, overrides: { credentialId?: string; counter?: number; origin?: string; rpId?: string; userHandle?: string | null } = {}): AuthenticationResponseJSON {
    const allowed = options.allowCredentials?.map((credential) => credential.id) ?? [...this.credentials.keys()];
    const id = overrides.credentialId ?? allowed.find((candidate) => this.credentials.has(candidate));
    const credential = id === undefined ? undefined : this.credentials.get(id);
    if (!credential) throw new Error('the soft authenticator holds no credential for these options');
    if (this.options.counting ?? true) credential.counter += 1;
    const counter = overrides.counter ?? ((this.options.counting ?? true) ? credential.counter : 0);
    const authData = this.authData(overrides.rpId ?? options.rpId!, 0, counter);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, overrides.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    const userHandle = overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: b64(clientDataJSON),
        authenticatorData: b64(authData),
        signature: b64(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
    };
  }

  private authData(rpId: string, extraFlags: number, counter: number, attested: Buffer = Buffer.alloc(0)): Buffer {
    const flags = FLAG_UP | ((this.options.userVerified ?? true) ? FLAG_UV : 0) | (this.options.counting === false ? FLAG_BE | FLAG_BS : 0) | extraFlags;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, attested]);
  }

  private clientData(type: string, challenge: string, origin?: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: origin ?? this.options.origin, crossOrigin: false }));
  }
}
