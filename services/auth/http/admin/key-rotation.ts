import { AppError } from '../../../../lib/errors.js';
import { KeySetReadOnlyError, type KeyRotation, type RotatedKey } from '../../domain/tokens/signing-key-set.js';

/**
 * Rotates the signing key for the admin API and the console. A read-only key set (mounted Secret
 * or file secret) is a deployment choice, not a fault: the caller gets a 409 telling them where
 * rotation happens instead, rather than a bare 500.
 */
export async function rotateOrExplain(keys: KeyRotation): Promise<RotatedKey> {
  try {
    return await keys.rotate();
  } catch (err) {
    if (!(err instanceof KeySetReadOnlyError)) throw err;
    throw new AppError(
      'KEY_STORE_READ_ONLY',
      409,
      'AUTH_SIGNING_KEY_FILE is read-only here; rotate with `npm run keys -- rotate` (in the image: `node dist/scripts/keys.js rotate`) and update the mounted secret',
      { error: 'key_store_read_only', cause: err },
    );
  }
}
