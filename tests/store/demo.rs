//! The demo municipality on both backends: it loads whole, has every state and every duty
//! status, agrees with its own audit log, and is refused on a register that is not empty.

use systemejer_domain::LifecycleState;
use systemejer_e2e::{Backend, TestDb};
use systemejer_store::reports::ComplianceFilter;
use systemejer_store::{PageRequest, StoreError};

fn loads_whole_and_agrees_with_its_audit_log(backend: Backend) {
    let Some(db) = TestDb::create(backend) else { return };
    let store = db.store();
    let options = systemejer_demo::Options { systems: 120, seed: 7, today: store.today() };
    let summary = systemejer_demo::load(&store, options).unwrap();
    assert_eq!(summary.counts.systems, 120);
    assert_eq!(summary.incidents, 2);
    assert!(summary.counts.people > 100 && summary.counts.org_units > 25, "{:?}", summary.counts);

    let page = PageRequest { limit: 500, ..PageRequest::default() };
    let systems = store.list_systems(&Default::default(), &page).unwrap().items;
    assert_eq!(systems.len(), 120);
    for state in LifecycleState::ALL {
        assert!(systems.iter().any(|s| s.lifecycle_state == *state), "no system is {state}");
    }

    let filter = ComplianceFilter::default();
    let live = store.compliance_report(&filter, None).unwrap();
    let duties = live.totals.obligations;
    assert!(duties.ok > 0 && duties.due_soon > 0 && duties.overdue > 0, "{duties:?}");
    assert!(duties.overdue < duties.ok, "most duties are kept: {duties:?}");
    assert_eq!(live.totals.open_breaches, 2);
    // Every row the bulk load wrote has its audit event: the overview rebuilt from the audit
    // log for today is the live one.
    let rebuilt = store.compliance_report_rebuilt(&filter, store.today()).unwrap();
    for (a, b) in live.systems.iter().zip(&rebuilt.systems) {
        assert_eq!(a, b, "{} differs when rebuilt from the audit log", a.name);
    }
    assert_eq!(live.systems.len(), rebuilt.systems.len());
    assert_eq!(live.totals, rebuilt.totals);

    // Loading twice would mix two municipalities: refused, and nothing is written.
    let again = systemejer_demo::load(&store, options);
    assert!(matches!(again, Err(StoreError::Conflict { code: "register_not_empty", .. })), "{again:?}");
    assert_eq!(store.list_systems(&Default::default(), &page).unwrap().items.len(), 120);
}

#[test]
fn the_demo_loads_on_sqlite() {
    loads_whole_and_agrees_with_its_audit_log(Backend::Sqlite);
}

#[test]
fn the_demo_loads_on_postgres() {
    loads_whole_and_agrees_with_its_audit_log(Backend::Postgres);
}
