// Table definitions shared by the SQLite and PostgreSQL backends (see migrations/).
// Instants are `TimestampUtc`, JSON documents `Jsonb` and UUID ids `Uuid` (see sql_types.rs):
// timestamptz, jsonb and uuid on PostgreSQL, text on SQLite.

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::TimestampUtc;

    shoes (id) {
        id -> Text,
        brand -> Text,
        model -> Text,
        release_year -> Nullable<Integer>,
        category -> Text,
        support -> Text,
        cushioning -> Text,
        terrain -> Text,
        heel_stack_mm -> Nullable<Double>,
        forefoot_stack_mm -> Nullable<Double>,
        drop_mm -> Nullable<Double>,
        weight_g -> Nullable<Double>,
        price_usd -> Nullable<Double>,
        widths -> Text,
        plated -> Bool,
        source -> Nullable<Text>,
        updated_at -> TimestampUtc,
        line -> Nullable<Text>,
        status -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::TimestampUtc;

    insoles (id) {
        id -> Text,
        brand -> Text,
        model -> Text,
        arch_support -> Text,
        volume -> Text,
        cushioning -> Text,
        rigidity -> Text,
        price_usd -> Nullable<Double>,
        source -> Nullable<Text>,
        updated_at -> TimestampUtc,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::TimestampUtc;

    stock (store_id, shoe_id) {
        store_id -> Text,
        shoe_id -> Text,
        quantity -> Integer,
        updated_at -> TimestampUtc,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Jsonb, TimestampUtc, Uuid};

    fittings (id) {
        id -> Uuid,
        store_id -> Nullable<Text>,
        customer_ref -> Nullable<Text>,
        document -> Jsonb,
        created_at -> TimestampUtc,
        content_hash -> Nullable<Text>,
    }
}

diesel::table! {
    app_meta (key) {
        key -> Text,
        value -> Text,
    }
}


diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Jsonb, TimestampUtc, Uuid};

    outcomes (id) {
        id -> Uuid,
        sale_id -> Text,
        fitting_id -> Nullable<Uuid>,
        store_id -> Nullable<Text>,
        shoe_id -> Text,
        insole_id -> Nullable<Text>,
        sold_at -> TimestampUtc,
        returned_at -> Nullable<TimestampUtc>,
        return_reason -> Nullable<Text>,
        satisfaction -> Nullable<Integer>,
        pain_at_follow_up -> Nullable<Double>,
        followed_up_at -> Nullable<TimestampUtc>,
        request_hash -> Nullable<Text>,
        created_at -> TimestampUtc,
        updated_at -> TimestampUtc,
        fitting_snapshot -> Nullable<Jsonb>,
        synthetic -> Bool,
        size_eu -> Nullable<Double>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Jsonb, TimestampUtc};

    models (version) {
        version -> Text,
        kind -> Text,
        schema_hash -> Text,
        artifact -> Text,
        training_summary -> Jsonb,
        metrics -> Jsonb,
        created_at -> TimestampUtc,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{TimestampUtc, Uuid};

    jobs (id) {
        id -> Uuid,
        kind -> Text,
        status -> Text,
        progress -> Double,
        message -> Text,
        model_version -> Nullable<Text>,
        created_at -> TimestampUtc,
        updated_at -> TimestampUtc,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<TimestampUtc>,
        cancel_requested -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{TimestampUtc, Uuid};

    job_leases (queue) {
        queue -> Text,
        job_id -> Uuid,
        owner -> Text,
        expires_at -> TimestampUtc,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::TimestampUtc;

    api_keys (id) {
        id -> Text,
        name -> Text,
        role -> Text,
        store_id -> Nullable<Text>,
        secret_hash -> Text,
        cors_origins -> Nullable<Text>,
        created_at -> TimestampUtc,
        revoked_at -> Nullable<TimestampUtc>,
        rate_limit_per_minute -> Nullable<Integer>,
        rate_limit_burst -> Nullable<Integer>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{TimestampUtc, Uuid};

    idempotency_keys (key_id, idempotency_key) {
        key_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        fitting_id -> Uuid,
        created_at -> TimestampUtc,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Jsonb, Uuid};

    try_ons (fitting_id, shoe_id) {
        fitting_id -> Uuid,
        shoe_id -> Text,
        position -> Integer,
        size_eu -> Nullable<Double>,
        comfort -> Nullable<Integer>,
        observations -> Jsonb,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::TimestampUtc;

    stock_sizes (store_id, shoe_id, size_eu) {
        store_id -> Text,
        shoe_id -> Text,
        size_eu -> Double,
        quantity -> Integer,
        updated_at -> TimestampUtc,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::TimestampUtc;

    size_offsets (shoe_id) {
        shoe_id -> Text,
        brand -> Text,
        length_mm -> Double,
        width -> Double,
        records -> Double,
        brand_length_mm -> Double,
        brand_records -> Double,
        trained_at -> TimestampUtc,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::TimestampUtc;

    insole_stock (store_id, insole_id) {
        store_id -> Text,
        insole_id -> Text,
        quantity -> Integer,
        updated_at -> TimestampUtc,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    shoes, insoles, stock, fittings, app_meta, outcomes, models, jobs, api_keys, idempotency_keys, try_ons, stock_sizes,
    size_offsets, insole_stock
);

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Jsonb, TimestampUtc, Uuid};

    model_evaluations (id) {
        id -> Uuid,
        model_version -> Text,
        against_version -> Nullable<Text>,
        job_id -> Nullable<Uuid>,
        held_out_sessions -> Integer,
        held_out_from -> Nullable<TimestampUtc>,
        held_out_to -> Nullable<TimestampUtc>,
        analysis -> Jsonb,
        created_at -> TimestampUtc,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sql_types::{Jsonb, TimestampUtc, Uuid};

    model_activations (id) {
        id -> Uuid,
        activated_at -> TimestampUtc,
        kind -> Text,
        via -> Text,
        key_id -> Nullable<Text>,
        key_name -> Nullable<Text>,
        from_version -> Nullable<Text>,
        to_version -> Text,
        figures -> Jsonb,
    }
}
