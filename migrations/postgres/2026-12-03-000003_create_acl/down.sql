DROP TABLE authorization_rule;
DROP TABLE authorization_role;
