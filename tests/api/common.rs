//! Shared fixtures (from the support library).

pub use systemejer_e2e::fixtures::{day, obligation, system_in_use, today};

use serde_json::json;
use systemejer_api::Role;
use systemejer_e2e::TestApp;

/// A system with personal data and its record of processing (purposes, a category that reads
/// as a formula, a transfer to the US, a retention rule), owned by Åse Ærø; answers the DPO's
/// token, the owner's token and the system's path.
pub async fn a_record_of_processing(app: &TestApp) -> (String, String, String) {
    let dpo = app.token("dpo@randers.dk", &[Role::Dpo]);
    let owner_id = app
        .create("/api/v1/people", json!({"name": "Åse Ærø", "email": "aase@randers.dk", "position": "director"}))
        .await;
    let owner = app.token("aase@randers.dk", &[]);
    let sys = app
        .create(
            "/api/v1/systems",
            json!({"name": "Børnesager; \"Nyt\"", "kind": "it_system", "owner_id": owner_id, "processes_personal_data": true,
                   "processes_sensitive_data": true, "processes_cpr_numbers": true}),
        )
        .await;
    app.call(
        reqwest::Method::PUT,
        &format!("/api/v1/systems/{sys}/processing-record"),
        Some(&owner),
        Some(json!({
            "purposes": ["Sagsbehandling", "Tilsyn"], "data_subject_categories": ["=HYPERLINK(\"http://evil\";\"x\")", "Forældre"],
            "personal_data_categories": ["Helbred"], "recipients": ["Domstole"],
            "third_country_transfers": [{"country": "us", "safeguard": "EU-US Data Privacy Framework"}],
            "retention_summary": "5 år", "security_measures": "Kryptering;\nlogning"
        })),
    )
    .await
    .ok(200);
    app.post(
        &format!("/api/v1/systems/{sys}/retention-rules"),
        &owner,
        json!({"data_category": "Sagsakter", "retention_period": "P5Y", "legal_basis": "Arkivloven"}),
    )
    .await
    .ok(201);
    (dpo, owner, sys)
}
