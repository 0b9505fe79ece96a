//! The compliance overview and the record of processing activities as Excel workbooks (.xlsx),
//! downloaded over HTTP and read back by a spreadsheet reader (calamine): their sheets, title
//! and header rows, real date cells, yes and no in Danish, text that looks like a formula kept
//! as text, the document's properties, and the same permissions and filters as the JSON.

use std::collections::BTreeSet;
use std::io::{Cursor, Read};

use calamine::{Data, Range, Reader, Xlsx};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use systemejer_api::Role;
use systemejer_e2e::{TestApp, on_both_backends};

use crate::common::{a_record_of_processing, system_in_use, today};

on_both_backends!(the_compliance_overview_as_a_workbook, the_record_of_processing_as_a_workbook);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A GET with `Accept` as given: status, headers and the body's bytes.
async fn download(app: &TestApp, path: &str, token: &str, accept: Option<&str>) -> (u16, HeaderMap, Vec<u8>) {
    let mut request = reqwest::Client::new().get(format!("{}{path}", app.base)).bearer_auth(token);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let res = request.send().await.unwrap();
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    (status, headers, res.bytes().await.unwrap().to_vec())
}

/// A workbook as a spreadsheet program opens it, with its raw files for what calamine does not
/// read (the document's properties, and whether any cell holds a formula).
struct Book {
    sheets: Vec<String>,
    bytes: Vec<u8>,
}

impl Book {
    /// The workbook a successful download answered, after checking that it is one.
    fn of(status: u16, headers: &HeaderMap, bytes: Vec<u8>) -> Book {
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
        assert_eq!(headers["content-type"], XLSX);
        assert!(bytes.starts_with(b"PK"), "an .xlsx file is a zip archive");
        let workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
        Book { sheets: workbook.sheet_names(), bytes }
    }

    fn reader(&self) -> Xlsx<Cursor<Vec<u8>>> {
        calamine::open_workbook_from_rs(Cursor::new(self.bytes.clone())).unwrap()
    }

    /// The cells of sheet `name`.
    fn sheet(&self, name: &str) -> Range<Data> {
        self.reader().worksheet_range(name).unwrap()
    }

    /// A file of the archive, as text.
    fn file(&self, path: &str) -> String {
        let mut archive = zip::ZipArchive::new(Cursor::new(self.bytes.clone())).unwrap();
        let mut text = String::new();
        archive.by_name(path).unwrap().read_to_string(&mut text).unwrap();
        text
    }

    /// Asserts that no cell of any sheet is a formula: everything is a value.
    fn has_no_formulas(&self) {
        let mut reader = self.reader();
        for name in &self.sheets {
            let formulas = reader.worksheet_formula(name).unwrap();
            assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{name} has a formula");
        }
    }
}

/// A cell's text (a number as a spreadsheet shows it); empty for an empty cell.
fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// The row of `range` whose cell under `header` is `value` (the header row is the second).
fn row_where<'a>(range: &'a Range<Data>, header: &str, value: &str) -> &'a [Data] {
    let col = column(range, header);
    range.rows().skip(2).find(|r| text(&r[col]) == value).unwrap_or_else(|| panic!("no row with {header} = {value}"))
}

/// Every row of `range` whose cell under `header` is `value`.
fn rows_where<'a>(range: &'a Range<Data>, header: &str, value: &str) -> Vec<&'a [Data]> {
    let col = column(range, header);
    range.rows().skip(2).filter(|r| text(&r[col]) == value).collect()
}

/// The index of the column under `header`.
fn column(range: &Range<Data>, header: &str) -> usize {
    let headers = range.rows().nth(1).unwrap();
    headers.iter().position(|h| text(h) == header).unwrap_or_else(|| panic!("no column {header}"))
}

/// The header row of a sheet.
fn header_row(range: &Range<Data>) -> Vec<String> {
    range.rows().nth(1).unwrap().iter().map(text).collect()
}

/// The title row of a sheet: its first cell.
fn title(range: &Range<Data>) -> String {
    text(range.get((0, 0)).unwrap())
}

/// How many rows the table below the header has.
fn data_rows(range: &Range<Data>) -> usize {
    range.rows().skip(2).count()
}

/// The day in a date cell; fails for anything else (text that looks like a date too).
fn date(cell: &Data) -> chrono::NaiveDate {
    match cell {
        Data::DateTime(d) => d.as_datetime().unwrap().date(),
        Data::DateTimeIso(d) => d.parse().unwrap(),
        other => panic!("not a date cell: {other:?}"),
    }
}

/// A count as a number cell holds it.
fn count(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap())
}

fn danish(day: chrono::NaiveDate) -> String {
    day.format("%d-%m-%Y").to_string()
}

async fn the_compliance_overview_as_a_workbook(app: TestApp) {
    let auditor = app.token("revisor@randers.dk", &[Role::Auditor]);
    let admin = app.admin();
    let (sys, owner, owner_id) = system_in_use(&app, "lise@randers.dk").await;
    app.patch(&sys, &admin, json!({"name": "Børnesager"})).await.ok(200);
    let sys_id = sys.rsplit('/').next().unwrap().to_owned();
    // Another owner's system, which the first owner's workbook leaves out.
    system_in_use(&app, "mads@randers.dk").await;
    // A name a spreadsheet would run as a formula, on a draft with open gates.
    let formula = "=1+2";
    let draft = app.create("/api/v1/systems", json!({"name": formula, "kind": "app", "owner_id": owner_id})).await;

    // An agreement with a processor: its supervision is a duty about that processor.
    let processor = app.create("/api/v1/processors", json!({"name": "Skybørn A/S"})).await;
    app.post(
        &format!("{sys}/processing-agreements"),
        &owner,
        json!({"processor_id": processor, "signed_on": (today() - chrono::Duration::days(10)).to_string(), "supervision_method": "soc2"}),
    )
    .await
    .ok(201);
    // A backup test last done 13 months ago is overdue.
    let long_ago = (today() - chrono::Months::new(13)).to_string();
    app.post(
        &format!("{sys}/obligations/backup_test/completions"),
        &owner,
        json!({"done_on": long_ago, "result": "passed"}),
    )
    .await
    .ok(201);
    // Two breaches awaiting their decision: one just found, one whose 72 hours have passed.
    for (description, discovered) in [
        ("Bærbar stjålet", chrono::Utc::now()),
        ("Mail til forkert modtager", chrono::Utc::now() - chrono::Duration::days(4)),
    ] {
        app.post(
            "/api/v1/incidents",
            &owner,
            json!({"system_ids": [sys_id], "discovered_at": discovered.to_rfc3339(), "description": description, "personal_data_breach": true}),
        )
        .await
        .ok(201);
    }

    let report = app.get("/api/v1/reports/compliance", &auditor).await.ok(200).clone();
    let row = report["systems"].as_array().unwrap().iter().find(|s| s["system_id"] == sys_id.as_str()).unwrap();
    let backup = row["obligations"].as_array().unwrap().iter().find(|o| o["kind"] == "backup_test").unwrap();
    let backup_due: chrono::NaiveDate = backup["next_due_on"].as_str().unwrap().parse().unwrap();
    let overdue = row["obligations"].as_array().unwrap().iter().filter(|o| o["status"] == "overdue").count();

    let (status, headers, bytes) = download(&app, "/api/v1/reports/compliance?format=xlsx", &auditor, None).await;
    assert_eq!(
        headers["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"compliance-overblik-{}.xlsx\"", today())
    );
    let book = Book::of(status, &headers, bytes);
    assert_eq!(book.sheets, ["Systemer", "Pligter", "Åbne krav", "Brud"]);
    let expected_title = format!("Compliance-overblik over systemerne – Randers Kommune – pr. {}", danish(today()));
    for name in &book.sheets {
        assert_eq!(title(&book.sheet(name)), expected_title, "{name}");
    }
    book.has_no_formulas();

    // The systems: one row each, as in the JSON, with names for the owner and the unit.
    let systems = book.sheet("Systemer");
    assert_eq!(
        header_row(&systems),
        [
            "System",
            "Livscyklus",
            "Systemejer",
            "Enhed",
            "Værste status",
            "Næste skift",
            "Åbne krav",
            "Pligter",
            "Overskredne pligter",
            "Pligter med nær frist",
            "Åbne brud",
            "Åbne risikoforanstaltninger",
            "Overskredne risikoforanstaltninger",
            "Systemejer skal overdrages",
            "Overførsel uden grundlag",
            "System-id",
        ]
    );
    assert_eq!(data_rows(&systems), report["systems"].as_array().unwrap().len());
    let cells = row_where(&systems, "System", "Børnesager");
    let at = |header: &str| &cells[column(&systems, header)];
    assert_eq!(text(at("Livscyklus")), "Drift");
    assert_eq!(text(at("Systemejer")), "Owner");
    assert_eq!(text(at("Enhed")), "Enhed lise@randers.dk");
    assert_eq!(text(at("Værste status")), "Overskredet");
    assert_eq!(text(at("Næste skift")), "Videreudvikling/ændring");
    assert_eq!(at("Pligter"), &Data::Float(count(row["obligations"].as_array().unwrap().len())), "a number");
    assert_eq!(at("Overskredne pligter"), &Data::Float(count(overdue)));
    assert_eq!(at("Åbne brud"), &Data::Float(2.0));
    assert_eq!(text(at("Systemejer skal overdrages")), "nej");
    assert_eq!(text(at("System-id")), sys_id);
    // A name that looks like a formula is a string cell, shown as it was typed.
    let cells = row_where(&systems, "System", formula);
    assert_eq!(cells[0], Data::String(formula.into()));
    assert_eq!(text(&cells[column(&systems, "System-id")]), draft);
    assert_eq!(text(&cells[column(&systems, "Livscyklus")]), "Anskaffelse");

    // The duties: the next due date is a date cell, the day the JSON says.
    let duties = book.sheet("Pligter");
    assert_eq!(header_row(&duties), ["System", "Pligt", "Vedrørende", "Næste frist", "Status", "System-id"]);
    let cells = rows_where(&duties, "System", "Børnesager")
        .into_iter()
        .find(|r| text(&r[1]) == "Test af gendannelse fra backup")
        .expect("the backup test, by its Danish title");
    assert!(matches!(cells[3], Data::DateTime(_) | Data::DateTimeIso(_)), "a real date: {:?}", cells[3]);
    assert_eq!(date(&cells[3]), backup_due);
    assert_eq!(text(&cells[4]), "Overskredet");
    let json_duties: usize =
        report["systems"].as_array().unwrap().iter().map(|s| s["obligations"].as_array().unwrap().len()).sum();
    assert_eq!(data_rows(&duties), json_duties, "one row per system and duty");
    let supervision = rows_where(&duties, "System", "Børnesager")
        .into_iter()
        .find(|r| text(&r[1]).starts_with("Tilsyn"))
        .expect("the supervision of the processor");
    assert_eq!(text(&supervision[2]), "Skybørn A/S", "the processor by name, not the agreement's id");

    // What the draft's go-live would find unmet, in Danish, with the codes.
    let gates = book.sheet("Åbne krav");
    assert_eq!(header_row(&gates), ["System", "Skift til", "Kode", "Hvad mangler", "System-id"]);
    let cells = rows_where(&gates, "System", formula)
        .into_iter()
        .find(|r| text(&r[2]) == "description_incomplete")
        .expect("the description is incomplete");
    assert_eq!(text(&cells[1]), "Drift");
    assert!(text(&cells[3]).starts_with("Systembeskrivelsen mangler"), "{:?}", cells[3]);

    // The breaches awaiting a decision: when found, and whether the 72 hours have passed.
    let breaches = book.sheet("Brud");
    assert_eq!(
        header_row(&breaches),
        [
            "System",
            "Opdaget",
            "Beskrivelse",
            "Frist for anmeldelse",
            "Fristen er overskredet",
            "Status",
            "Brud-id",
            "System-id"
        ]
    );
    assert_eq!(data_rows(&breaches), 2);
    let fresh = row_where(&breaches, "Beskrivelse", "Bærbar stjålet");
    assert_eq!((text(&fresh[4]), text(&fresh[5])), ("nej".to_owned(), "Åben".to_owned()));
    assert!(matches!(fresh[1], Data::DateTime(_)), "a real date and time: {:?}", fresh[1]);
    let late = row_where(&breaches, "Beskrivelse", "Mail til forkert modtager");
    assert_eq!(text(&late[4]), "ja");

    // The document's properties name the report, the municipality and the day.
    let core = book.file("docProps/core.xml");
    assert!(core.contains("<dc:title>Compliance-overblik over systemerne</dc:title>"), "{core}");
    assert!(core.contains(&format!("Randers Kommune pr. {}", danish(today()))), "{core}");
    let app_xml = book.file("docProps/app.xml");
    assert!(app_xml.contains("<Company>Randers Kommune</Company>"), "{app_xml}");

    // The same filters as the JSON.
    let (status, headers, bytes) =
        download(&app, "/api/v1/reports/compliance?status=overdue&format=xlsx", &auditor, None).await;
    let filtered = Book::of(status, &headers, bytes).sheet("Systemer");
    assert_eq!(data_rows(&filtered), 1);
    assert_eq!(text(&filtered[(2, 0)]), "Børnesager");

    // Chosen by Accept; JSON stays the default, and `format=json` names it.
    let (status, headers, bytes) = download(&app, "/api/v1/reports/compliance", &auditor, Some(XLSX)).await;
    assert_eq!(Book::of(status, &headers, bytes).sheets.len(), 4);
    let (status, headers, _) = download(&app, "/api/v1/reports/compliance", &auditor, Some("*/*")).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "application/json"));
    let json_again = app.get("/api/v1/reports/compliance?format=json", &auditor).await;
    assert_eq!(json_again.ok(200)["systems"], report["systems"]);
    // A format it does not make is refused by name, as any query parameter that does not parse.
    let p = app.get("/api/v1/reports/compliance?format=pdf", &auditor).await.problem(400).clone();
    assert_eq!(p["errors"][0]["field"], "format");

    // An owner sees their own systems, in the workbook as in the JSON, and nobody else's.
    let mine = format!("/api/v1/reports/compliance?owner_id={owner_id}");
    let json_names: BTreeSet<String> = app.get(&mine, &owner).await.ok(200)["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(json_names, BTreeSet::from(["Børnesager".to_owned(), formula.to_owned()]));
    let (status, headers, bytes) = download(&app, &format!("{mine}&format=xlsx"), &owner, None).await;
    // The selection is in its name and its title: it is not the whole register's.
    let disposition = headers["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains("compliance-overblik-udvalgt-"), "{disposition}");
    let own = Book::of(status, &headers, bytes).sheet("Systemer");
    let title = title(&own);
    assert!(title.ends_with("udvalgt: systemejer Owner"), "{title}");
    let names: BTreeSet<String> = own.rows().skip(2).map(|r| text(&r[0])).collect();
    assert_eq!(names, json_names);
    app.get("/api/v1/reports/compliance?format=xlsx", &owner).await.problem(403);
}

async fn the_record_of_processing_as_a_workbook(app: TestApp) {
    let (dpo, owner, sys) = a_record_of_processing(&app).await;
    app.create(
        "/api/v1/systems",
        json!({"name": "Vejdata", "kind": "database", "processes_personal_data": true,
               "processes_sensitive_data": false, "processes_cpr_numbers": false}),
    )
    .await;
    app.create("/api/v1/systems", json!({"name": "Kortdata", "kind": "database", "processes_personal_data": false}))
        .await;
    let items = app.get("/api/v1/reports/processing-records", &dpo).await.ok(200)["items"].clone();

    let (status, headers, bytes) = download(&app, "/api/v1/reports/processing-records?format=xlsx", &dpo, None).await;
    assert_eq!(
        headers["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"fortegnelse-{}.xlsx\"", today())
    );
    let book = Book::of(status, &headers, bytes);
    assert_eq!(book.sheets, ["Fortegnelse", "Dataansvarlig"]);
    let expected_title = format!("Fortegnelse over behandlingsaktiviteter – Randers Kommune – pr. {}", danish(today()));
    for name in &book.sheets {
        assert_eq!(title(&book.sheet(name)), expected_title, "{name}");
    }
    book.has_no_formulas();

    let record = book.sheet("Fortegnelse");
    assert_eq!(
        header_row(&record),
        [
            "System",
            "Livscyklus",
            "Systemejer",
            "Systemejers e-mail",
            "Fortegnelse udfyldt",
            "Formål",
            "Kategorier af registrerede",
            "Kategorier af personoplysninger",
            "Følsomme oplysninger (art. 9)",
            "CPR-numre",
            "Kategorier af modtagere",
            "Databehandlere",
            "Overførsler til tredjelande",
            "Slettefrister",
            "Opbevaring og sletning",
            "Tekniske og organisatoriske sikkerhedsforanstaltninger",
            "System-id",
        ]
    );
    assert_eq!(data_rows(&record), items.as_array().unwrap().len(), "only systems that process personal data");
    assert_eq!(data_rows(&record), 2);
    let cells = row_where(&record, "System", "Børnesager; \"Nyt\"");
    let at = |header: &str| text(&cells[column(&record, header)]);
    assert_eq!(at("Livscyklus"), "Anskaffelse");
    assert_eq!(at("Systemejer"), "Åse Ærø");
    assert_eq!(at("Systemejers e-mail"), "aase@randers.dk");
    assert_eq!(at("Fortegnelse udfyldt"), "ja");
    assert_eq!(at("Formål"), "Sagsbehandling; Tilsyn");
    assert_eq!(at("Følsomme oplysninger (art. 9)"), "ja");
    assert_eq!(at("CPR-numre"), "ja");
    assert_eq!(at("Overførsler til tredjelande"), "US: EU-US Data Privacy Framework");
    assert_eq!(at("Slettefrister"), "Sagsakter: 5 år", "the period in Danish words");
    assert_eq!(at("Tekniske og organisatoriske sikkerhedsforanstaltninger"), "Kryptering;\nlogning");
    assert_eq!(at("System-id"), sys);
    // What begins as a formula is a string cell, as it was given (no leading ' as in the CSV).
    assert_eq!(
        cells[column(&record, "Kategorier af registrerede")],
        Data::String("=HYPERLINK(\"http://evil\";\"x\"); Forældre".into())
    );
    let other = row_where(&record, "System", "Vejdata");
    let at = |header: &str| text(&other[column(&record, header)]);
    assert_eq!(
        (at("Fortegnelse udfyldt"), at("Følsomme oplysninger (art. 9)"), at("CPR-numre")),
        ("nej".into(), "nej".into(), "nej".into())
    );

    // Art. 30(1)(a): the controller and its DPO.
    let controller = book.sheet("Dataansvarlig");
    assert_eq!(header_row(&controller), ["Oplysning", "Værdi"]);
    let value = |label: &str| row_where(&controller, "Oplysning", label)[1].clone();
    assert_eq!(value("Dataansvarlig"), Data::String("Randers Kommune".into()));
    assert_eq!(value("CVR-nummer"), Data::String("29189684".into()), "an identifier, not a number");
    assert_eq!(value("Databeskyttelsesrådgiverens e-mail"), Data::String("dpo@randers.dk".into()));
    assert_eq!(value("Databeskyttelsesrådgiverens telefon"), Data::String("+45 89 15 15 15".into()));

    let core = book.file("docProps/core.xml");
    assert!(core.contains("<dc:title>Fortegnelse over behandlingsaktiviteter</dc:title>"), "{core}");
    let app_xml = book.file("docProps/app.xml");
    assert!(app_xml.contains("<Company>Randers Kommune</Company>"), "{app_xml}");

    // Chosen by Accept, refused to those the JSON is refused to; an unknown format by name.
    let (status, headers, bytes) = download(&app, "/api/v1/reports/processing-records", &dpo, Some(XLSX)).await;
    assert_eq!(Book::of(status, &headers, bytes).sheets, ["Fortegnelse", "Dataansvarlig"]);
    let json_again: Value = app.get("/api/v1/reports/processing-records?format=json", &dpo).await.ok(200).clone();
    assert_eq!(json_again["items"], items);
    app.get("/api/v1/reports/processing-records?format=xlsx", &owner).await.problem(403);
    let (status, headers, _) = download(&app, "/api/v1/reports/processing-records", &owner, Some(XLSX)).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (403, "application/problem+json"));
    let p = app.get("/api/v1/reports/processing-records?format=pdf", &dpo).await.problem(400).clone();
    assert_eq!(p["errors"][0]["field"], "format");
    assert_eq!(p["errors"][0]["rule"], "one_of");
}
