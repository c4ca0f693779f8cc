// @generated automatically by Diesel CLI.

diesel::table! {
    admin_user (user_id) {
        user_id -> BigInt,
        username -> Text,
        email -> Text,
        password_hash -> Text,
        is_active -> Bool,
        created_at -> BigInt,
    }
}

diesel::table! {
    authorization_role (role_id) {
        role_id -> BigInt,
        role_name -> Text,
        user_type -> SmallInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    authorization_rule (rule_id) {
        rule_id -> BigInt,
        role_id -> BigInt,
        resource_id -> Text,
        permission -> Text,
    }
}

diesel::table! {
    customer (entity_id) {
        entity_id -> BigInt,
        email -> Text,
        firstname -> Text,
        lastname -> Text,
        password_hash -> Text,
        is_active -> Bool,
        created_at -> BigInt,
    }
}

diesel::table! {
    integration (integration_id) {
        integration_id -> BigInt,
        name -> Text,
        email -> Text,
        endpoint -> Nullable<Text>,
        identity_link_url -> Nullable<Text>,
        status -> SmallInt,
        setup_type -> SmallInt,
        consumer_id -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    jwt_auth_revoked (user_type_id, user_id) {
        user_type_id -> SmallInt,
        user_id -> BigInt,
        revoke_before -> BigInt,
    }
}

diesel::table! {
    jwt_auth_revoked_token (token_id) {
        token_id -> Text,
        user_type_id -> SmallInt,
        user_id -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    oauth_consumer (entity_id) {
        entity_id -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
        name -> Text,
        key -> Text,
        secret -> Binary,
        callback_url -> Nullable<Text>,
        rejected_callback_url -> Nullable<Text>,
    }
}

diesel::table! {
    oauth_nonce (nonce, consumer_id) {
        nonce -> Text,
        timestamp -> BigInt,
        consumer_id -> BigInt,
    }
}

diesel::table! {
    oauth_token (entity_id) {
        entity_id -> BigInt,
        consumer_id -> Nullable<BigInt>,
        admin_id -> Nullable<BigInt>,
        customer_id -> Nullable<BigInt>,
        #[sql_name = "type"]
        type_ -> Text,
        token -> Text,
        secret -> Binary,
        verifier -> Nullable<Text>,
        callback_url -> Text,
        revoked -> Bool,
        authorized -> Bool,
        user_type -> SmallInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    oauth_token_request_log (log_id) {
        log_id -> BigInt,
        user_name -> Text,
        user_type -> SmallInt,
        failures_count -> Integer,
        lock_expires_at -> BigInt,
    }
}

diesel::joinable!(authorization_rule -> authorization_role (role_id));
diesel::joinable!(integration -> oauth_consumer (consumer_id));
diesel::joinable!(oauth_nonce -> oauth_consumer (consumer_id));
diesel::joinable!(oauth_token -> admin_user (admin_id));
diesel::joinable!(oauth_token -> customer (customer_id));
diesel::joinable!(oauth_token -> oauth_consumer (consumer_id));

diesel::allow_tables_to_appear_in_same_query!(
    admin_user,
    authorization_role,
    authorization_rule,
    customer,
    integration,
    jwt_auth_revoked,
    jwt_auth_revoked_token,
    oauth_consumer,
    oauth_nonce,
    oauth_token,
    oauth_token_request_log,
);
