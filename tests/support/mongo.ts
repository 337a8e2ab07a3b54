/** MongoDB cannot be installed on every machine: Mongo suites run only when MONGODB_URI is set. */
export const MONGODB_URI = process.env.MONGODB_URI;
export const HAS_MONGO = Boolean(MONGODB_URI);
if (!HAS_MONGO) console.warn('[skip] MongoDB adapter suites: MONGODB_URI is not set (they run against a real MongoDB when it is)');
