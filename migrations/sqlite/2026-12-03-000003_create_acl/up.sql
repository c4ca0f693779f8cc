-- ACL grants: one role per user (an integration's role holds its resources) and the
-- resources the role is allowed.

CREATE TABLE authorization_role (
    role_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    role_name VARCHAR(255) NOT NULL,
    user_type SMALLINT NOT NULL,
    user_id BIGINT NOT NULL,
    CONSTRAINT authorization_role_user_key UNIQUE (user_type, user_id)
);

-- The unique key leads with role_id, so it also serves "the rules of a role".
CREATE TABLE authorization_rule (
    rule_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    role_id BIGINT NOT NULL REFERENCES authorization_role (role_id) ON DELETE CASCADE,
    resource_id VARCHAR(255) NOT NULL,
    permission VARCHAR(16) NOT NULL DEFAULT 'allow',
    CONSTRAINT authorization_rule_role_resource_key UNIQUE (role_id, resource_id)
);
