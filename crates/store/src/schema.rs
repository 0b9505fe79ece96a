//! The one diesel schema for both backends (see the migrations in `migrations/`).

diesel::table! {
    org_units (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        parent_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    people (id) {
        id -> Text,
        name -> Text,
        email -> Text,
        position -> Text,
        org_unit_id -> Nullable<Text>,
        manager_id -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        language -> Text,
    }
}

diesel::table! {
    systems (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        purpose -> Nullable<Text>,
        description -> Nullable<Text>,
        vendor -> Nullable<Text>,
        hosting -> Nullable<Text>,
        business_processes -> Text,
        data_formats -> Text,
        processes_personal_data -> Nullable<Bool>,
        processes_sensitive_data -> Nullable<Bool>,
        processes_cpr_numbers -> Nullable<Bool>,
        kle_codes -> Text,
        criticality -> Nullable<Text>,
        self_service_links -> Text,
        owner_id -> Nullable<Text>,
        org_unit_id -> Nullable<Text>,
        lifecycle_state -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        data_subject_rights -> Text,
        archive_status -> Text,
        archive_body -> Nullable<Text>,
        archive_notified_on -> Nullable<Date>,
        contract_notice_on -> Nullable<Date>,
        successor_id -> Nullable<Text>,
        hosted_at -> Nullable<Text>,
        no_processor_reason -> Nullable<Text>,
    }
}

diesel::table! {
    system_delegates (system_id, person_id) {
        system_id -> Text,
        person_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    lifecycle_transitions (id) {
        id -> Text,
        system_id -> Text,
        from_state -> Text,
        to_state -> Text,
        reason -> Nullable<Text>,
        actor -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        via -> Nullable<Text>,
    }
}

diesel::table! {
    deletions (entity_type, entity_id) {
        entity_type -> Text,
        entity_id -> Text,
        deleted_at -> Timestamp,
        actor -> Text,
    }
}

diesel::table! {
    processors (id) {
        id -> Text,
        name -> Text,
        cvr -> Nullable<Text>,
        country -> Text,
        contact -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    processing_agreements (id) {
        id -> Text,
        system_id -> Text,
        processor_id -> Text,
        signed_on -> Nullable<Date>,
        expires_on -> Nullable<Date>,
        document_url -> Nullable<Text>,
        supervision_method -> Text,
        supervision_interval_months -> Integer,
        created_at -> Timestamp,
        transfer_basis -> Nullable<Text>,
        sub_processors -> Text,
        terminated_on -> Nullable<Date>,
        termination_reason -> Nullable<Text>,
        version -> BigInt,
    }
}

diesel::table! {
    system_records (id) {
        id -> Text,
        system_id -> Text,
        kind -> Text,
        body -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        approved_by -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    system_changes (id) {
        id -> Text,
        system_id -> Text,
        description -> Text,
        dpia_needed -> Bool,
        started_by -> Text,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    exit_steps (system_id, step) {
        system_id -> Text,
        step -> Text,
        status -> Text,
        done_on -> Nullable<Date>,
        recorded_by -> Nullable<Text>,
        note -> Nullable<Text>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    obligations (system_id, kind, subject) {
        system_id -> Text,
        kind -> Text,
        subject -> Text,
        interval_months -> Nullable<Integer>,
        interval_override_months -> Nullable<Integer>,
        assignee_id -> Nullable<Text>,
        appeared_on -> Date,
        last_done_on -> Nullable<Date>,
        next_due_on -> Nullable<Date>,
    }
}

diesel::table! {
    obligation_completions (id) {
        id -> Text,
        system_id -> Text,
        kind -> Text,
        subject -> Text,
        done_on -> Date,
        result -> Text,
        evidence -> Nullable<Text>,
        notes -> Nullable<Text>,
        document_url -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        via -> Text,
    }
}

diesel::table! {
    incidents (id) {
        id -> Text,
        discovered_at -> Timestamp,
        description -> Text,
        personal_data_breach -> Bool,
        data_subject_categories -> Text,
        approx_data_subjects -> Nullable<BigInt>,
        record_categories -> Text,
        approx_records -> Nullable<BigInt>,
        likely_consequences -> Nullable<Text>,
        measures -> Nullable<Text>,
        risk_level -> Nullable<Text>,
        reports -> Text,
        late_report_reason -> Nullable<Text>,
        not_reported_reason -> Nullable<Text>,
        subjects_notified_at -> Nullable<Timestamp>,
        subjects_not_notified_reason -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        recorded_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        subjects_notified_how -> Nullable<Text>,
        subjects_not_notified_ground -> Nullable<Text>,
        cause -> Nullable<Text>,
    }
}

diesel::table! {
    incident_systems (incident_id, system_id) {
        incident_id -> Text,
        system_id -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        recipient_email -> Text,
        recipient_name -> Nullable<Text>,
        language -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        ics -> Nullable<Text>,
        items -> Text,
        system_ids -> Text,
        status -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        next_attempt_at -> Timestamp,
        claim_token -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    worker_passes (id) {
        id -> Text,
        pass -> Text,
        started_at -> Timestamp,
        duration_ms -> BigInt,
        found -> Integer,
        queued -> Integer,
        sent -> Integer,
        retried -> Integer,
        failed -> Integer,
        succeeded -> Bool,
    }
}

diesel::table! {
    reminder_keys (key) {
        key -> Text,
        message_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    dpo_advice (id) {
        id -> Text,
        system_id -> Text,
        topic -> Text,
        about_id -> Nullable<Text>,
        given_on -> Date,
        advice -> Text,
        followed -> Nullable<Bool>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    owner_handovers (id) {
        id -> Text,
        system_id -> Text,
        from_owner_id -> Nullable<Text>,
        to_owner_id -> Text,
        reason -> Text,
        handed_over_by -> Text,
        handed_over_at -> Timestamp,
    }
}

diesel::table! {
    risk_measures (id) {
        id -> Text,
        system_id -> Text,
        risk_assessment_id -> Text,
        measure -> Text,
        responsible_id -> Text,
        due_on -> Date,
        status -> Text,
        implemented_on -> Nullable<Date>,
        rejection_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    leases (name) {
        name -> Text,
        holder -> Text,
        until -> Timestamp,
    }
}

diesel::table! {
    origins (source, entity_type, external_id) {
        source -> Text,
        entity_type -> Text,
        external_id -> Text,
        entity_id -> Text,
        imported -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    rule_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        url -> Text,
        events -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        active -> Bool,
        description -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        failing_since -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (event_id, subscription_id) {
        event_id -> Text,
        subscription_id -> Text,
        event_type -> Text,
        occurred_at -> Timestamp,
        resource -> Text,
        resource_path -> Nullable<Text>,
        details -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        next_attempt_at -> Timestamp,
        claim_token -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        event_id -> Text,
        subscription_id -> Text,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::joinable!(system_delegates -> systems (system_id));
diesel::joinable!(system_delegates -> people (person_id));
diesel::joinable!(lifecycle_transitions -> systems (system_id));
diesel::joinable!(obligations -> systems (system_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::allow_tables_to_appear_in_same_query!(
    org_units,
    people,
    systems,
    system_delegates,
    lifecycle_transitions,
    audit_events,
    deletions,
    processors,
    processing_agreements,
    system_records,
    system_changes,
    exit_steps,
    obligations,
    obligation_completions,
    incidents,
    incident_systems,
    outbox,
    reminder_keys,
    risk_measures,
    webhook_subscriptions,
    webhook_deliveries,
    webhook_attempts,
);
