//! Importing Testrup Kommune from Kitos into the register, on both backends: the dry run's
//! plan, the import from files and over HTTP, a second run that changes nothing, a change in
//! Kitos that updates one system and meets a local edit as a conflict, and the 2025 shape.

use chrono::Utc;
use serde_json::{Value, json};
use systemejer_e2e::kitos::{EMAIL, KitosServer, PASSWORD, fixtures};
use systemejer_e2e::{TestApp, on_both_backends};
use systemejer_import::MapOptions;
use systemejer_import::apply::{Action, EntityKind, Plan, import, render};
use systemejer_kitos::client::ClientSettings;
use systemejer_kitos::{Credentials, FetchOptions, KitosClient, Snapshot, read_dir};

use super::{ESDH, LON, id};

on_both_backends!(
    testrup_is_imported_once_and_kept_in_step_with_kitos,
    the_2025_shape_imports_as_the_2026_shape_does,
    the_api_imports_a_kitos_bundle,
    what_the_register_made_by_hand_is_linked_not_made_twice,
    what_a_run_makes_is_linked_by_the_same_run,
    what_kitos_gives_unreadably_keeps_the_registers_value,
    a_person_kitos_names_otherwise_is_kept_and_reported,
    a_name_the_register_has_twice_is_not_guessed_at
);

const ACTOR: &str = "it-admin@testrup.example via kitos-import";

/// Imports (or plans, with `dry_run`) `snapshot` into `app`'s register.
async fn run(app: &TestApp, snapshot: Snapshot, dry_run: bool) -> Plan {
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || {
        let options = MapOptions::new(store.today());
        import(&store, &snapshot, &options, dry_run, ACTOR).unwrap()
    })
    .await
    .unwrap()
}

fn client(server: &KitosServer) -> KitosClient {
    let credentials = Credentials::Password { email: EMAIL.to_owned(), password: PASSWORD.to_owned() };
    KitosClient::new(ClientSettings { page_size: 4, ..ClientSettings::new(server.url(), credentials) }).unwrap()
}

fn item<'a>(plan: &'a Plan, kitos_uuid: &str) -> &'a systemejer_import::apply::Item {
    plan.items.iter().find(|i| i.kitos_uuid == id(kitos_uuid)).unwrap_or_else(|| panic!("{kitos_uuid}"))
}

async fn systems(app: &TestApp) -> Vec<Value> {
    app.get("/api/v1/systems?limit=100", &app.admin()).await.ok(200)["items"].as_array().unwrap().clone()
}

async fn testrup_is_imported_once_and_kept_in_step_with_kitos(app: TestApp) {
    let admin = app.admin();
    let files = read_dir(fixtures("2026")).unwrap();

    // The dry run: everything to create, with what keeps each system in procurement; nothing
    // written.
    let dry = run(&app, files.clone(), true).await;
    assert!(dry.dry_run);
    let s = dry.summary;
    assert_eq!((s.create, s.unchanged, s.update, s.conflict, s.failed), (7 + 5 + 4 + 8, 0, 0, 0, 0), "{dry:#?}");
    assert_eq!(dry.items.iter().filter(|i| i.entity == EntityKind::System).count(), 8);
    let esdh = item(&dry, ESDH);
    assert_eq!(esdh.action, Action::Create);
    let codes: Vec<&str> = esdh.gates[0].unmet.iter().map(|u| u.code).collect();
    assert!(codes.contains(&"owner_not_management") && codes.contains(&"owner_approval_missing"), "{codes:?}");
    let text = render(&dry);
    assert!(text.starts_with("Import from Kitos (dry run: nothing written)"), "{text}");
    assert!(text.contains(&format!("+ create system \"ESDH\" (kitos {ESDH})")), "{text}");
    assert!(text.contains("stays procurement: to in_use it needs owner_not_management"), "{text}");
    assert!(text.contains(
        "warning processor_cvr_invalid: data-processing-registrations.json: [0].general.dataProcessors[0].cvr"
    ));
    assert!(systems(&app).await.is_empty(), "a dry run writes nothing");

    // Over HTTP, from the test Kitos: the same snapshot, imported.
    let server = KitosServer::start(&fixtures("2026"));
    let org = server.organization();
    let everything =
        FetchOptions { deleted_since: Some("2000-01-01T00:00:00Z".parse().unwrap()), ..FetchOptions::default() };
    let fetched = client(&server).snapshot(org, &everything).await.unwrap();
    assert_eq!(fetched, files);
    let done = run(&app, fetched, false).await;
    assert!(!done.dry_run);
    assert_eq!((done.summary.create, done.summary.failed), (24, 0), "{done:#?}");
    let listed = systems(&app).await;
    assert_eq!(listed.len(), 8);
    assert!(listed.iter().all(|s| s["lifecycle_state"] == "procurement"), "the import never passes a gate");
    let esdh_id = item(&done, ESDH).register_id.clone().unwrap();
    let esdh = app.get(&format!("/api/v1/systems/{esdh_id}"), &admin).await.ok(200).clone();
    assert_eq!(esdh["name"], "ESDH");
    assert_eq!(
        (esdh["processes_personal_data"].clone(), esdh["processes_cpr_numbers"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(esdh["hosted_at"], "external");
    assert_eq!(esdh["archive_status"], "preserve");
    // Its risk assessment and agreement came along, the assessment unapproved.
    let risks = app.get(&format!("/api/v1/systems/{esdh_id}/risk-assessments"), &admin).await.ok(200).clone();
    assert_eq!(risks["items"][0]["approved_at"], Value::Null, "{risks}");
    assert_eq!(risks["items"][0]["recorded_by"], ACTOR);
    let agreements = app.get(&format!("/api/v1/systems/{esdh_id}/processing-agreements"), &admin).await.ok(200).clone();
    assert_eq!(agreements["items"].as_array().unwrap().len(), 1, "{agreements}");
    // The audit log names the admin, through the import.
    let audit = app.get(&format!("/api/v1/audit-events?entity_id={esdh_id}"), &admin).await.ok(200).clone();
    assert_eq!(audit["items"][0]["actor"], "it-admin@testrup.example", "{audit}");
    assert_eq!(audit["items"][0]["via"], "kitos-import", "{audit}");

    // Again, from the files: nothing changes, and the plan says so.
    let again = run(&app, files.clone(), false).await;
    assert_eq!((again.summary.unchanged, again.summary.create, again.summary.update), (24, 0, 0), "{again:#?}");
    assert!(again.changes_nothing());
    assert!(render(&again).contains("Nothing changes: the register is in step with Kitos."));
    assert_eq!(systems(&app).await.len(), 8);

    // Here, an admin edits ESDH's purpose; in Kitos, both ESDH's and Lønportalen's
    // purposes change.
    let lon_id = item(&done, LON).register_id.clone().unwrap();
    let lon_before = app.get(&format!("/api/v1/systems/{lon_id}"), &admin).await.ok(200)["purpose"].clone();
    app.patch(&format!("/api/v1/systems/{esdh_id}"), &admin, json!({"purpose": "Journalisering, som vi ser det"}))
        .await
        .ok(200);
    let since = Utc::now() - chrono::Duration::seconds(1);
    server.change_usage(id(ESDH), &json!({"general": {"purpose": "Journalisering og arkivering"}}));
    server.change_usage(id(LON), &json!({"general": {"purpose": "Lønudbetaling og indberetning"}}));
    let changed = FetchOptions { changed_since: Some(since), deleted_since: Some(since), ..FetchOptions::default() };
    let delta = client(&server).snapshot(org, &changed).await.unwrap();
    assert_eq!(delta.usages.len(), 2, "only what changed since");
    assert!(server.requests().iter().any(|r| r.contains("changedSinceGtEq=")));

    let plan = run(&app, delta.clone(), true).await;
    assert_eq!(
        item(&plan, LON).action,
        Action::Update {
            changes: vec![systemejer_import::apply::FieldChange {
                field: "purpose".into(),
                old: lon_before,
                new: json!("Lønudbetaling og indberetning"),
            }]
        }
    );
    let Action::Conflict { conflicts, changes } = &item(&plan, ESDH).action else { panic!("{plan:#?}") };
    assert!(changes.is_empty());
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        (conflicts[0].field.as_str(), &conflicts[0].here),
        ("purpose", &json!("Journalisering, som vi ser det"))
    );
    assert_eq!(conflicts[0].kitos, json!("Journalisering og arkivering"));
    let text = render(&plan);
    assert!(text.contains("~ update system \"Lønportalen\""), "{text}");
    assert!(text.contains("! conflict system \"ESDH\""), "{text}");

    let applied = run(&app, delta.clone(), false).await;
    assert_eq!((applied.summary.update, applied.summary.conflict, applied.summary.failed), (1, 1, 0), "{applied:#?}");
    let lon = app.get(&format!("/api/v1/systems/{lon_id}"), &admin).await.ok(200).clone();
    assert_eq!(lon["purpose"], "Lønudbetaling og indberetning");
    let esdh = app.get(&format!("/api/v1/systems/{esdh_id}"), &admin).await.ok(200).clone();
    assert_eq!(esdh["purpose"], "Journalisering, som vi ser det", "the local edit is kept");
    // The conflict stands until the two sides agree; the update is done.
    let later = run(&app, delta, true).await;
    assert_eq!((later.summary.update, later.summary.conflict), (0, 1));

    // Kitos records a newer risk assessment of ESDH: the import does not carry records over;
    // it says so, once.
    let since = Utc::now() - chrono::Duration::seconds(1);
    server.change_usage(id(ESDH), &json!({"gdpr": {"riskAssessmentConductedDate": "2026-10-01T00:00:00Z"}}));
    let changed = FetchOptions { changed_since: Some(since), deleted_since: Some(since), ..FetchOptions::default() };
    let newer = client(&server).snapshot(org, &changed).await.unwrap();
    let told = run(&app, newer.clone(), false).await;
    let esdh_item = item(&told, ESDH);
    assert_eq!(esdh_item.not_carried.len(), 1, "{esdh_item:#?}");
    assert!(esdh_item.not_carried[0].starts_with("its risk assessment changed in Kitos"));
    assert_eq!(told.summary.not_carried, 1);
    assert!(render(&told).contains("not carried over: its risk assessment changed in Kitos"));
    assert!(!render(&told).contains("in step with Kitos"));
    assert!(item(&run(&app, newer, true).await, ESDH).not_carried.is_empty(), "told once");

    // One import at a time: while another holds the lease, a second one is refused whole.
    let store = app.store.clone();
    let until = Utc::now() + chrono::Duration::minutes(5);
    assert!(store.take_lease("import:kitos", "someone@testrup.example 1", until).unwrap().is_ok());
    let refused = {
        let (store, snapshot) = (app.store.clone(), read_dir(fixtures("2026")).unwrap());
        tokio::task::spawn_blocking(move || import(&store, &snapshot, &MapOptions::new(store.today()), false, ACTOR))
            .await
            .unwrap()
    };
    let Err(systemejer_store::StoreError::Conflict { code, message }) = refused else { panic!("{refused:?}") };
    assert_eq!(code, "import_running");
    assert!(message.contains("someone@testrup.example"), "{message}");
    store.release_lease("import:kitos", "someone@testrup.example 1").unwrap();

    // Kitos deletes Lønportalen: reported, never deleted here.
    server.delete_usage(id(LON));
    let gone = client(&server).snapshot(org, &changed).await.unwrap();
    let plan = run(&app, gone, false).await;
    assert_eq!(item(&plan, LON).action, Action::DeletedInKitos);
    assert_eq!(app.get(&format!("/api/v1/systems/{lon_id}"), &admin).await.status, 200);
}

async fn the_2025_shape_imports_as_the_2026_shape_does(app: TestApp) {
    let older = read_dir(fixtures("2025")).unwrap();
    let done = run(&app, older, false).await;
    assert_eq!((done.summary.create, done.summary.failed), (24, 0), "{done:#?}");
    let names: std::collections::BTreeSet<String> =
        systems(&app).await.iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names.len(), 8);
    assert!(names.contains("ESDH") && names.contains("Lønportalen"), "{names:?}");
    // The 2026 shape of the same municipality is the same register: nothing to do.
    let newer = run(&app, read_dir(fixtures("2026")).unwrap(), true).await;
    assert!(newer.changes_nothing(), "{}", render(&newer));
}

/// The fixture folder `year` as one JSON object, as `POST /imports/kitos` takes it.
fn bundle(year: &str) -> Value {
    let dir = fixtures(year);
    let read = |name: &str| -> Value { serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap() };
    let mut systems: Vec<Value> = std::fs::read_dir(dir.join("it-systems"))
        .unwrap()
        .map(|e| serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap())
        .collect();
    systems.sort_by_key(|s| s["uuid"].as_str().unwrap_or_default().to_owned());
    json!({
        "itSystemUsages": read("it-system-usages.json"),
        "dataProcessingRegistrations": read("data-processing-registrations.json"),
        "organizationUnits": read("organization-units.json"),
        "users": read("users.json"),
        "itSystems": systems,
        "itSystemUsageRoleTypes": read("it-system-usage-role-types.json"),
    })
}

/// `POST /imports/kitos`: the same import for admins' scripts and other systems.
async fn the_api_imports_a_kitos_bundle(app: TestApp) {
    let admin = app.admin();
    // An integration that wants to hear of new systems and finished imports.
    let hook = app
        .post(
            "/api/v1/webhooks",
            &admin,
            json!({"url": "https://hooks.testrup.example/systemejer", "events": ["system.created", "import.finished"]}),
        )
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let dry = app.post("/api/v1/imports/kitos?dry_run=true", &admin, bundle("2026")).await;
    assert_eq!((dry.ok(200)["dry_run"].clone(), dry.body["summary"]["create"].clone()), (json!(true), json!(24)));
    assert!(systems(&app).await.is_empty());
    let done = app.post("/api/v1/imports/kitos", &admin, bundle("2026")).await;
    assert_eq!(done.ok(200)["summary"]["create"], 24, "{}", done.body);
    let esdh = done.body["items"].as_array().unwrap().iter().find(|i| i["kitos_uuid"] == ESDH).unwrap().clone();
    assert_eq!((esdh["entity"].as_str(), esdh["action"]["kind"].as_str()), (Some("system"), Some("create")));
    let again = app.post("/api/v1/imports/kitos", &admin, bundle("2025")).await;
    assert_eq!(again.ok(200)["summary"]["unchanged"], 24, "{}", again.body);
    // Told: each system created, and each import finished (the dry run is not an import).
    let deliveries = app.get(&format!("/api/v1/webhooks/{hook}/deliveries?limit=100"), &admin).await.ok(200).clone();
    let told = |kind: &str| deliveries["items"].as_array().unwrap().iter().filter(|d| d["event_type"] == kind).count();
    assert_eq!((told("system.created"), told("import.finished")), (8, 2), "{deliveries}");
    // The audit log names the admin who imported, via the import.
    let id = esdh["register_id"].as_str().unwrap();
    let audit = app.get(&format!("/api/v1/audit-events?entity_id={id}"), &admin).await.ok(200).clone();
    let event = &audit["items"][0];
    assert_eq!((event["actor"].as_str(), event["via"].as_str()), (Some("it-admin@randers.dk"), Some("kitos-import")));
    // The admin's own changes name no path.
    app.patch(&format!("/api/v1/systems/{id}"), &admin, json!({"vendor": "Egen"})).await.ok(200);
    let audit = app.get(&format!("/api/v1/audit-events?entity_id={id}"), &admin).await.ok(200).clone();
    let newest = audit["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((newest["actor"].as_str(), newest.get("via")), (Some("it-admin@randers.dk"), None), "{newest}");

    // An owner role Kitos does not have: refused, naming the parameter.
    let typo = app.post("/api/v1/imports/kitos?owner_role=Systemejr", &admin, bundle("2025")).await;
    assert_eq!(typo.problem(422)["errors"][0]["field"], "owner_role", "{}", typo.body);
    // Bad input: named by its JSON path or part; a list for the object; not JSON; not an admin.
    let list = app.post("/api/v1/imports/kitos", &admin, json!([[], [], [], [], []])).await;
    assert_eq!(list.problem(422)["errors"][0]["rule"], "object");
    let missing = app.post("/api/v1/imports/kitos", &admin, json!({"itSystems": []})).await;
    let problem = missing.problem(422).clone();
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["rule"].as_str()),
        (Some("itSystemUsages"), Some("required")),
        "{problem}"
    );
    let bad =
        app.post("/api/v1/imports/kitos", &admin, json!({"itSystemUsages": [{"uuid": 5}], "itSystems": []})).await;
    let problem = bad.problem(422).clone();
    assert_eq!(problem["errors"][0]["rule"], "kitos_shape", "{problem}");
    assert!(problem["errors"][0]["field"].as_str().unwrap().contains("itSystemUsages[0].uuid"), "{problem}");
    let text = app.call_raw(reqwest::Method::POST, "/api/v1/imports/kitos", &admin, "text/plain", b"x".to_vec()).await;
    assert_eq!(text.status, 415);
    let owner = app.token("anne.holm@testrup.example", &[]);
    app.post("/api/v1/imports/kitos", &owner, bundle("2026")).await.problem(403);
    assert_eq!(systems(&app).await.len(), 8, "nothing changed by the refusals");
}

/// A municipality that kept a few systems and processors by hand before its first import:
/// the ones of the same name are linked to Kitos, not made twice, and keep their values.
async fn what_the_register_made_by_hand_is_linked_not_made_twice(app: TestApp) {
    let admin = app.admin();
    let hand =
        app.create("/api/v1/systems", json!({"name": "lønportalen ", "kind": "it_system", "vendor": "Egen"})).await;
    let processor = app.create("/api/v1/processors", json!({"name": "LØNSERVICE  ApS"})).await;
    // The owner of ESDH in Kitos, whom the register knows as a head of department.
    app.create(
        "/api/v1/people",
        json!({"name": "Anne Holm", "email": "anne.holm@testrup.example", "position": "head_of_department"}),
    )
    .await;
    let files = read_dir(fixtures("2026")).unwrap();
    let dry = run(&app, files.clone(), true).await;
    let codes: Vec<&str> = item(&dry, ESDH).gates.iter().flat_map(|g| g.unmet.iter().map(|u| u.code)).collect();
    assert!(!codes.contains(&"owner_not_management"), "the register admits her as owner: {codes:?}");
    assert!(codes.contains(&"owner_approval_missing"), "{codes:?}");
    let warned = dry.findings.iter().any(|f| f.code == "owner_position_unknown" && f.is_about(id(ESDH)));
    assert!(!warned, "no warning of a position the register has: {}", render(&dry));
    let lon = item(&dry, LON);
    assert_eq!(lon.register_id.as_deref(), Some(hand.as_str()));
    let Action::Link { differences } = &lon.action else { panic!("{lon:#?}") };
    let fields: Vec<&str> = differences.iter().map(|d| d.field.as_str()).collect();
    assert!(fields.contains(&"vendor"), "{fields:?}");
    let vendor = differences.iter().find(|d| d.field == "vendor").unwrap();
    assert_eq!(vendor.old, "Egen");
    let linked_processor =
        dry.items.iter().find(|i| i.entity == EntityKind::Processor && i.name == "Lønservice ApS").unwrap();
    assert_eq!(linked_processor.register_id.as_deref(), Some(processor.as_str()));
    assert!(matches!(linked_processor.action, Action::Link { .. }));
    let text = render(&dry);
    assert!(text.contains(&format!("= link system \"Lønportalen\" (kitos {LON}, register {hand})")), "{text}");
    assert!(text.contains("vendor: here \"Egen\""), "{text}");

    let done = run(&app, files.clone(), false).await;
    assert_eq!(
        (done.summary.link, done.summary.failed),
        (3, 0),
        "a system, a processor and a person: {}",
        render(&done)
    );
    let all = systems(&app).await;
    assert_eq!(all.len(), 8, "seven made, one linked");
    let kept = app.get(&format!("/api/v1/systems/{hand}"), &admin).await.ok(200).clone();
    assert_eq!((kept["name"].as_str().map(str::trim), kept["vendor"].as_str()), (Some("lønportalen"), Some("Egen")));
    let processors = app.get("/api/v1/processors?limit=100", &admin).await.ok(200)["items"].as_array().unwrap().len();
    assert_eq!(processors, 4, "three made, one linked");
    // Linked, it is one of the imported: the next run finds nothing to do.
    let again = run(&app, files, true).await;
    assert!(again.changes_nothing(), "{}", render(&again));
}

/// A person and a unit Kitos could not give at first (no e-mail, no name), fixed in Kitos: the
/// run that makes them also names them on their systems, and the next run has nothing to do.
async fn what_a_run_makes_is_linked_by_the_same_run(app: TestApp) {
    let fixed = read_dir(fixtures("2026")).unwrap();
    let mut broken = fixed.clone();
    let bo = broken.users.iter_mut().find(|u| u.first_name.as_deref() == Some("Bo")).unwrap();
    bo.email = None;
    let it = broken.units.iter_mut().find(|u| u.name == "IT og Digitalisering").unwrap();
    it.name = "   ".into();
    let first = run(&app, broken, false).await;
    assert_eq!(first.summary.failed, 0, "{}", render(&first));

    // The dry run says what the run will do: the systems that get them are updates there too.
    let planned = run(&app, fixed.clone(), true).await;
    let fixing = run(&app, fixed.clone(), false).await;
    assert_eq!(planned.summary.update, fixing.summary.update, "{}\n{}", render(&planned), render(&fixing));
    let updated = |plan: &Plan| -> Vec<String> {
        plan.items.iter().filter(|i| matches!(i.action, Action::Update { .. })).map(|i| i.name.clone()).collect()
    };
    assert_eq!(updated(&planned), updated(&fixing));
    let made: Vec<&str> =
        fixing.items.iter().filter(|i| matches!(i.action, Action::Create)).map(|i| i.name.as_str()).collect();
    assert!(made.contains(&"Bo Nielsen") && made.contains(&"IT og Digitalisering"), "{}", render(&fixing));
    assert!(fixing.summary.update > 0, "the systems get them in the same run: {}", render(&fixing));
    let again = run(&app, fixed, true).await;
    assert!(again.changes_nothing(), "{}", render(&again));
    assert!(again.items.iter().all(|i| i.not_carried.is_empty()), "{}", render(&again));
}

/// Kitos values the import cannot read (a hosting Kitos added since, a purpose with a NUL
/// byte) are findings, not Kitos's word that the field is empty: the register keeps its value.
async fn what_kitos_gives_unreadably_keeps_the_registers_value(app: TestApp) {
    let files = read_dir(fixtures("2026")).unwrap();
    run(&app, files.clone(), false).await;
    let mut odd = files.clone();
    let esdh = odd.usages.iter_mut().find(|u| u.uuid == id(ESDH)).unwrap();
    esdh.general.hosted_at = Some(systemejer_kitos::Choice::Unknown("Cloud".into()));
    esdh.general.is_business_critical = Some(systemejer_kitos::Choice::Unknown("Maybe".into()));
    esdh.general.purpose = Some("Sagsbehandling\0".into());
    let plan = run(&app, odd, false).await;
    let item = item(&plan, ESDH);
    assert_eq!(item.action, Action::Unchanged, "{}", render(&plan));
    assert!(plan.findings.iter().any(|f| f.message.contains("Cloud")), "{}", render(&plan));
    let esdh_id = item.register_id.clone().unwrap();
    let system = app.get(&format!("/api/v1/systems/{esdh_id}"), &app.admin()).await.ok(200).clone();
    assert!(!system["hosted_at"].is_null() && !system["purpose"].is_null(), "{system}");
    // Readable again, nothing to do either.
    assert!(run(&app, files, true).await.changes_nothing());
}

/// A person Kitos renames (or gives another e-mail) is kept as the register has them, shown
/// by the register's name, and the difference reported.
async fn a_person_kitos_names_otherwise_is_kept_and_reported(app: TestApp) {
    let files = read_dir(fixtures("2026")).unwrap();
    run(&app, files.clone(), false).await;
    let mut renamed = files;
    let eva = renamed.users.iter_mut().find(|u| u.first_name.as_deref() == Some("Eva")).unwrap();
    eva.first_name = Some("Åse".into());
    eva.last_name = Some("Ærø".into());
    eva.name = "Åse Ærø".into();
    let eva_uuid = eva.uuid;
    let unit = renamed.units.iter_mut().find(|u| u.name == "Byggeri og Plan").unwrap();
    unit.name = "Byggeri, Plan og Miljø".into();
    let unit_uuid = unit.uuid;
    let plan = run(&app, renamed, false).await;
    let renamed_unit = plan.items.iter().find(|i| i.kitos_uuid == unit_uuid).unwrap();
    assert_eq!(renamed_unit.name, "Byggeri og Plan", "by the register's name: {renamed_unit:?}");
    assert!(renamed_unit.not_carried.iter().any(|n| n.contains("Byggeri, Plan og Miljø")), "{renamed_unit:?}");
    let item = plan.items.iter().find(|i| i.kitos_uuid == eva_uuid).unwrap();
    assert_eq!(item.name, "Eva Lund", "by the register's name: {item:?}");
    assert!(item.not_carried.iter().any(|n| n.contains("Åse Ærø")), "{item:?}");
    let person = app.get(&format!("/api/v1/people/{}", item.register_id.as_deref().unwrap()), &app.admin()).await;
    assert_eq!(person.ok(200)["name"], "Eva Lund");
}

/// Two systems of one name made by hand: which one Kitos's usage is, is not guessed. The usage
/// is left out with an error finding, and the run says so in its report.
async fn a_name_the_register_has_twice_is_not_guessed_at(app: TestApp) {
    for name in ["Vagtplan Nord", "vagtplan nord"] {
        app.create("/api/v1/systems", json!({"name": name, "kind": "it_system"})).await;
    }
    let done = run(&app, read_dir(fixtures("2026")).unwrap(), false).await;
    let vagt = done.items.iter().find(|i| i.entity == EntityKind::System && i.name == "Vagtplan Nord").unwrap();
    assert!(matches!(&vagt.action, Action::Skip { reason } if reason.contains("2 systems")), "{vagt:?}");
    let finding = done.findings.iter().find(|f| f.code == "name_ambiguous").expect("an error finding");
    assert!(finding.is_error() && finding.is_about(vagt.kitos_uuid), "{finding:?}");
    assert_eq!(systems(&app).await.len(), 2 + 7, "the other seven are made");
}
