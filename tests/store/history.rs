//! A report of the whole register reads, of the documents that pile up with a system's
//! history, only those the rules read (the last approved of each kind and perspective), and
//! answers as the whole history would.

use serde_json::json;
use systemejer_domain::risk::RiskAssessment;
use systemejer_domain::{NewPerson, NewSystem, System};
use systemejer_e2e::{Backend, TestDb};
use systemejer_store::{ComplianceFilter, Store};

fn assessment(perspective: &str, level: &str) -> RiskAssessment {
    serde_json::from_value(json!({
        "perspective": perspective,
        "performed_on": "2026-01-05",
        "risk_level": level,
        "summary": format!("{perspective}: {level}"),
    }))
    .unwrap()
}

fn assess(store: &Store, system: &System, perspective: &str, level: &str, approve: bool) {
    let owner = system.owner_id.unwrap();
    let recorded = store.add_record(system.id, assessment(perspective, level), "test").unwrap();
    if approve {
        store.approve_record::<RiskAssessment>(system.id, Some(recorded.id), owner, "test").unwrap();
    }
}

fn reads_the_last_approval_of_each_perspective(backend: Backend) {
    let Some(db) = TestDb::create(backend) else { return };
    let store = db.store();
    let owner: NewPerson =
        serde_json::from_value(json!({"name": "Åse Ørsted", "email": "aase@kommune.dk", "position": "director"}))
            .unwrap();
    let owner = store.create_person(owner, "test").unwrap();
    let new: NewSystem = serde_json::from_value(json!({
        "name": "Omsorgssystem",
        "kind": "it_system",
        "owner_id": owner.id,
        "processes_personal_data": true,
    }))
    .unwrap();
    let system = store.create_system(new, "test").unwrap();

    // The data subjects' risk was approved once, long ago; the information security risk many
    // times since; and newer assessments wait for approval.
    assess(&store, &system, "data_subject", "low", true);
    for level in ["low", "high", "medium", "low", "high"] {
        assess(&store, &system, "information_security", level, true);
    }
    assess(&store, &system, "data_subject", "high", false);
    assess(&store, &system, "information_security", "low", false);

    let live = store.compliance_report(&ComplianceFilter::default(), None).unwrap();
    let row = live.systems.iter().find(|r| r.system_id == system.id).unwrap();
    let gates: Vec<&str> = row.open_gates.iter().map(|u| u.code).collect();
    assert!(!gates.is_empty(), "the system lacks most of what the gate into use asks for");
    for met in ["risk_assessment_information_security_missing", "risk_assessment_data_subject_missing"] {
        assert!(!gates.contains(&met), "{met} is met by an approval in the history: {gates:?}");
    }
    // The same report rebuilt from the audit log, which reads every document there is.
    let rebuilt = store.compliance_report_rebuilt(&ComplianceFilter::default(), store.today()).unwrap();
    assert_eq!(live.systems, rebuilt.systems);
}

#[test]
fn reads_the_last_approval_of_each_perspective_on_sqlite() {
    reads_the_last_approval_of_each_perspective(Backend::Sqlite);
}

#[test]
fn reads_the_last_approval_of_each_perspective_on_postgres() {
    reads_the_last_approval_of_each_perspective(Backend::Postgres);
}
