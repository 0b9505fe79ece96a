//! The demo municipality on both backends: it loads whole, has every state and every duty
//! status, agrees with its own audit log, and is refused on a register that is not empty.

use systemejer_domain::obligations::default_assignee;
use systemejer_domain::{DelegateRole, LifecycleState, System};
use systemejer_e2e::{Backend, TestDb};
use systemejer_store::ComplianceFilter;
use systemejer_store::{PageRequest, StoreError, SystemFilter};

fn loads_whole_and_agrees_with_its_audit_log(backend: Backend) {
    let Some(db) = TestDb::create(backend) else { return };
    let store = db.store();
    let options = systemejer_demo::Options { systems: 120, seed: 7, today: store.today() };
    let summary = systemejer_demo::load(&store, options).unwrap();
    assert_eq!(summary.counts.systems, 120);
    assert_eq!(
        summary.incidents, 4,
        "two breaches awaiting their decision, one handled and closed, one outage being followed up"
    );
    assert!(summary.counts.people > 100 && summary.counts.org_units > 25, "{:?}", summary.counts);

    let page = PageRequest { limit: 500, ..PageRequest::default() };
    let systems = store.list_systems(&SystemFilter::default(), &page).unwrap().items;
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
    // What the DPO and the coordinator look for shows up: a transfer abroad without its basis,
    // risk measures open and overdue, an owner who left, agreements that run out.
    assert!(live.totals.transfer_basis_missing >= 1, "{:?}", live.totals);
    assert!(live.totals.risk_measures.open > live.totals.risk_measures.overdue, "{:?}", live.totals);
    assert!(live.totals.risk_measures.overdue >= 1, "{:?}", live.totals);
    assert!(live.totals.owner_ineligible >= 1, "{:?}", live.totals);
    let kinds: Vec<_> = live.systems.iter().flat_map(|r| r.obligations.iter().map(|d| d.kind.as_str())).collect();
    for kind in ["agreement_expiry", "risk_measure", "owner_handover"] {
        assert!(kinds.contains(&kind), "the demo has a {kind} duty");
    }
    // Every row the bulk load wrote has its audit event: the overview rebuilt from the audit
    // log for today is the live one.
    let rebuilt = store.compliance_report_rebuilt(&filter, store.today()).unwrap();
    for (a, b) in live.systems.iter().zip(&rebuilt.systems) {
        assert_eq!(a, b, "{} differs when rebuilt from the audit log", a.name);
    }
    assert_eq!(live.systems.len(), rebuilt.systems.len());
    assert_eq!(live.totals, rebuilt.totals);

    due_duties_go_where_the_domain_says(&store, &systems);

    // Loading twice would mix two municipalities: refused, and nothing is written.
    let again = systemejer_demo::load(&store, options);
    assert!(matches!(again, Err(StoreError::Conflict { code: "register_not_empty", .. })), "{again:?}");
    assert_eq!(store.list_systems(&SystemFilter::default(), &page).unwrap().items.len(), 120);
}

/// The reminder pass finds its duties with one query that picks each duty's default assignee
/// in SQL: it must find every due duty of every system not retired, once, and send it where
/// the domain's rule says.
fn due_duties_go_where_the_domain_says(store: &systemejer_store::Store, systems: &[System]) {
    let horizon = store.today() + chrono::Duration::days(3650);
    let due = store.due_duties(horizon, &[]).unwrap();
    let mut expected = 0;
    let (mut by_delegate, mut systemforvalter_not_first) = (0, 0);
    for system in systems.iter().filter(|s| s.lifecycle_state != LifecycleState::Retired) {
        for obligation in store.list_obligations(system.id).unwrap() {
            if obligation.next_due_on.is_none_or(|d| d > horizon) {
                continue;
            }
            expected += 1;
            let subject = obligation.subject.clone().unwrap_or_default();
            let found: Vec<_> = due
                .iter()
                .filter(|d| d.system.id == system.id && d.kind == obligation.kind && d.subject == subject)
                .collect();
            assert_eq!(found.len(), 1, "{} {} found {} times", system.name, obligation.kind, found.len());
            let duty = found[0];
            assert_eq!(duty.system.name, system.name);
            assert_eq!(duty.owner.as_ref().map(|p| p.id), system.owner_id);
            // The register's view of the obligation names who is reminded, by the domain's rule.
            assert_eq!(
                duty.assignee.as_ref().map(|p| p.id),
                obligation.assignee_id,
                "{} {}",
                system.name,
                obligation.kind
            );
            if !system.delegates.is_empty() && obligation.assignee_id == default_assignee(system) {
                by_delegate += 1;
                let first_is_systemforvalter = system.delegates[0].role == DelegateRole::Systemforvalter;
                if !first_is_systemforvalter && system.delegates.iter().any(|d| d.role == DelegateRole::Systemforvalter)
                {
                    systemforvalter_not_first += 1;
                }
            }
        }
    }
    assert_eq!(due.len(), expected, "every due duty of a system not retired, and nothing else");
    assert!(by_delegate > 0, "the demo has duties that go to a delegate");
    assert!(systemforvalter_not_first > 0, "the demo has a systemforvalter listed after another delegate");
}

#[test]
fn the_demo_loads_on_sqlite() {
    loads_whole_and_agrees_with_its_audit_log(Backend::Sqlite);
}

#[test]
fn the_demo_loads_on_postgres() {
    loads_whole_and_agrees_with_its_audit_log(Backend::Postgres);
}

/// Two submits of one emailed link at the same moment (a double click, two devices): the cycle
/// is recorded once, the other submit finds it recorded. A hundred duties, each raced once.
fn one_cycle_is_recorded_once_by_two_submits_at_once(backend: Backend) {
    use systemejer_domain::obligations::{CompletionResult, Evidence, NewCompletion, ObligationKind};
    let Some(db) = TestDb::create(backend) else { return };
    let store = db.store();
    let options = systemejer_demo::Options { systems: 300, seed: 3, today: store.today() };
    systemejer_demo::load(&store, options).unwrap();
    let horizon = store.today() + chrono::Duration::days(60);
    let due: Vec<_> = store
        .due_duties(horizon, &[])
        .unwrap()
        .into_iter()
        .filter(|d| {
            !d.kind.done_by_approval() && !d.kind.done_by_update() && d.kind != ObligationKind::ProcessorSupervision
        })
        .take(100)
        .collect();
    assert_eq!(due.len(), 100, "the demo has a hundred open duties to race on");
    for duty in &due {
        let submit = || {
            let store = store.clone();
            let (system, kind, cycle) = (duty.system.id, duty.kind, duty.due_on);
            std::thread::spawn(move || {
                // A review of the software's updates is done with its evidence.
                let evidence = (kind == ObligationKind::PatchReview).then(|| Evidence::PatchReview {
                    version_in_use: systemejer_domain::Text::parse("2026.4").unwrap(),
                    last_updated_on: store.today(),
                });
                let new = NewCompletion {
                    done_on: store.today(),
                    result: CompletionResult::Passed,
                    subject: None,
                    evidence,
                    notes: None,
                    document_url: None,
                };
                store.add_completion_from_link(system, kind, new, "ejer@demo-kommune.dk", cycle)
            })
        };
        let (a, b) = (submit(), submit());
        let results = [a.join().unwrap(), b.join().unwrap()];
        let recorded = results.iter().filter(|r| r.is_ok()).count();
        let refused =
            results.iter().filter(|r| matches!(r, Err(StoreError::Conflict { code: "already_recorded", .. }))).count();
        assert_eq!((recorded, refused), (1, 1), "{} {}: {results:?}", duty.system.name, duty.kind);
        let linked = store
            .list_completions(duty.system.id, duty.kind)
            .unwrap()
            .into_iter()
            .filter(|c| c.recorded_by == "ejer@demo-kommune.dk")
            .count();
        assert_eq!(linked, 1, "{} {}: recorded once", duty.system.name, duty.kind);
    }
}

#[test]
fn sqlite_one_cycle_is_recorded_once_by_two_submits_at_once() {
    one_cycle_is_recorded_once_by_two_submits_at_once(Backend::Sqlite);
}

#[test]
fn postgres_one_cycle_is_recorded_once_by_two_submits_at_once() {
    one_cycle_is_recorded_once_by_two_submits_at_once(Backend::Postgres);
}
