"""Python's Authlib as a team would use it: private_key_jwt with its defaults (an assertion valid
for 3,600 s), client_credentials at the token endpoint. Prints the token response as JSON."""
import json
import sys

from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT

token_endpoint, client_id, kid = sys.argv[1], sys.argv[2], sys.argv[3]
private_key_pem = sys.stdin.read()
session = OAuth2Session(
    client_id,
    private_key_pem,
    token_endpoint_auth_method=PrivateKeyJWT(token_endpoint, headers={"kid": kid}),
    scope="notes:read",
)
token = session.fetch_token(token_endpoint, grant_type="client_credentials")
print(json.dumps(token))
