// Table definitions shared by the SQLite and PostgreSQL backends (see migrations/).

diesel::table! {
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
        updated_at -> Text,
    }
}

diesel::table! {
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
        updated_at -> Text,
    }
}

diesel::table! {
    stock (store_id, shoe_id) {
        store_id -> Text,
        shoe_id -> Text,
        quantity -> Integer,
        updated_at -> Text,
    }
}

diesel::table! {
    fittings (id) {
        id -> Text,
        store_id -> Nullable<Text>,
        customer_ref -> Nullable<Text>,
        document -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    app_meta (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(shoes, insoles, stock, fittings, app_meta);
