DROP TABLE jwt_auth_revoked_token;
DROP TABLE jwt_auth_revoked;
