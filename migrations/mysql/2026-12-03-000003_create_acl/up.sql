-- ACL grants: one role per user (an integration's role holds its resources) and the
-- resources the role is allowed.

CREATE TABLE authorization_role (
    role_id BIGINT NOT NULL AUTO_INCREMENT,
    role_name VARCHAR(255) NOT NULL,
    user_type SMALLINT NOT NULL,
    user_id BIGINT NOT NULL,
    PRIMARY KEY (role_id),
    CONSTRAINT authorization_role_user_key UNIQUE KEY (user_type, user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin ROW_FORMAT = DYNAMIC;

-- The unique key leads with role_id, so it also serves "the rules of a role".
CREATE TABLE authorization_rule (
    rule_id BIGINT NOT NULL AUTO_INCREMENT,
    role_id BIGINT NOT NULL,
    resource_id VARCHAR(255) NOT NULL,
    permission VARCHAR(16) NOT NULL DEFAULT 'allow',
    PRIMARY KEY (rule_id),
    CONSTRAINT authorization_rule_role_resource_key UNIQUE KEY (role_id, resource_id),
    CONSTRAINT authorization_rule_role_id_fkey FOREIGN KEY (role_id)
        REFERENCES authorization_role (role_id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin ROW_FORMAT = DYNAMIC;
