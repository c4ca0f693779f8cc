DROP TABLE oauth_token_request_log;
DROP TABLE integration;
DROP TABLE oauth_nonce;
DROP TABLE oauth_token;
DROP TABLE oauth_consumer;
