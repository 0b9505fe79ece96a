//! A [`Snapshot`] from Kitos's documents: a directory of JSON files, the same files in memory
//! (an upload), or one JSON object holding them all.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::parse::{parse_document, parse_value};
use crate::shape::Shape;
use crate::shapes::{
    DataProcessingRegistration, DeletedEntity, ItSystem, ItSystemUsage, OrganizationUnit, OrganizationUser, RoleType,
};
use crate::snapshot::Snapshot;

/// The file names of a Kitos export: each the bare array Kitos answers on its endpoint.
pub mod file_names {
    /// `GET api/v2/it-system-usages?organizationUuid=` (required).
    pub const USAGES: &str = "it-system-usages.json";
    /// `GET api/v2/data-processing-registrations?organizationUuid=` (required).
    pub const REGISTRATIONS: &str = "data-processing-registrations.json";
    /// `GET api/v2/organizations/{org}/organization-units` (required).
    pub const UNITS: &str = "organization-units.json";
    /// `GET api/v2/organizations/{org}/users` (required).
    pub const USERS: &str = "users.json";
    /// A directory of `GET api/v2/it-systems/{uuid}` answers, one object per file (required,
    /// may be empty). In memory, `it-systems/<anything>.json`; or one array in `it-systems.json`.
    pub const SYSTEMS_DIR: &str = "it-systems";
    /// All catalogue systems as one array (instead of [`SYSTEMS_DIR`]).
    pub const SYSTEMS: &str = "it-systems.json";
    /// `GET api/v2/it-system-usage-role-types?organizationUuid=` (optional).
    pub const ROLE_TYPES: &str = "it-system-usage-role-types.json";
    /// `GET api/v2/delta-feed/deleted-entities?…` (optional).
    pub const DELETIONS: &str = "deleted-entities.json";
}

use file_names::{DELETIONS, REGISTRATIONS, ROLE_TYPES, SYSTEMS, SYSTEMS_DIR, UNITS, USAGES, USERS};

/// Reads the Kitos export in `dir` (see [`file_names`]). Errors name the file and the JSON path.
pub fn read_dir(dir: impl AsRef<Path>) -> Result<Snapshot, Error> {
    let dir = dir.as_ref();
    let mut documents: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, required) in
        [(USAGES, true), (REGISTRATIONS, true), (UNITS, true), (USERS, true), (ROLE_TYPES, false), (DELETIONS, false)]
    {
        if let Some(bytes) = read_file(&dir.join(name), required)? {
            documents.push((name.to_owned(), bytes));
        }
    }
    let systems_dir = dir.join(SYSTEMS_DIR);
    if systems_dir.is_dir() {
        let entries =
            std::fs::read_dir(&systems_dir).map_err(|source| Error::Io { path: systems_dir.clone(), source })?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io { path: systems_dir.clone(), source })?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if is_json(&file_name) && entry.path().is_file() {
                names.push(file_name);
            }
        }
        names.sort();
        for file_name in names {
            if let Some(bytes) = read_file(&systems_dir.join(&file_name), true)? {
                documents.push((format!("{SYSTEMS_DIR}/{file_name}"), bytes));
            }
        }
    } else if let Some(bytes) = read_file(&dir.join(SYSTEMS), false)? {
        documents.push((SYSTEMS.to_owned(), bytes));
    } else {
        return Err(Error::MissingFile { path: systems_dir });
    }
    Snapshot::from_documents(documents)
}

fn read_file(path: &Path, required: bool) -> Result<Option<Vec<u8>>, Error> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if required {
                Err(Error::MissingFile { path: path.to_owned() })
            } else {
                Ok(None)
            }
        }
        Err(source) => Err(Error::Io { path: path.to_owned(), source }),
    }
}

fn is_json(file_name: &str) -> bool {
    Path::new(file_name).extension().is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
}

/// Which document a name is.
enum Kind {
    Usages,
    Registrations,
    Units,
    Users,
    RoleTypes,
    Deletions,
    Systems,
    System,
}

fn kind_of(name: &str) -> Option<Kind> {
    let name = name.replace('\\', "/");
    let mut parts = name.rsplit('/');
    let file = parts.next().unwrap_or_default();
    let parent = parts.next();
    if parent == Some(SYSTEMS_DIR) && is_json(file) {
        return Some(Kind::System);
    }
    Some(match file {
        USAGES => Kind::Usages,
        REGISTRATIONS => Kind::Registrations,
        UNITS => Kind::Units,
        USERS => Kind::Users,
        ROLE_TYPES => Kind::RoleTypes,
        DELETIONS => Kind::Deletions,
        SYSTEMS => Kind::Systems,
        _ => return None,
    })
}

/// Sets `slot` once; a second document of the same kind is an error.
fn once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), Error> {
    if slot.is_some() {
        return Err(Error::UnexpectedDocument { name: name.to_owned(), expected: "each file once".to_owned() });
    }
    *slot = Some(value);
    Ok(())
}

fn required<T>(slot: Option<T>, part: &str) -> Result<T, Error> {
    slot.ok_or_else(|| Error::MissingPart { document: "the Kitos export".to_owned(), part: part.to_owned() })
}

fn typed<T: DeserializeOwned>(name: &str, bytes: &[u8]) -> Result<T, Error> {
    parse_document(name, bytes)
}

impl Snapshot {
    /// Reads the documents of a Kitos export given as (file name, bytes), as an upload has
    /// them: the names of [`file_names`] (a leading directory is ignored), and each catalogue
    /// system as `it-systems/<anything>.json` (or all in `it-systems.json`). Errors name the
    /// document and the JSON path.
    pub fn from_documents<N, B>(documents: impl IntoIterator<Item = (N, B)>) -> Result<Snapshot, Error>
    where
        N: AsRef<str>,
        B: AsRef<[u8]>,
    {
        let (mut usages, mut registrations, mut units, mut users) = (None, None, None, None);
        let (mut role_types, mut deletions) = (None, None);
        let mut systems: Option<BTreeMap<_, _>> = None;
        let mut shape = Shape::Undetermined;
        for (name, bytes) in documents {
            let (name, bytes) = (name.as_ref(), bytes.as_ref());
            match kind_of(name) {
                Some(Kind::Usages) => {
                    let list: Vec<ItSystemUsage> = typed(name, bytes)?;
                    shape = shape.and(Shape::of_usages(&parse_value(name, bytes)?));
                    once(&mut usages, name, list)?;
                }
                Some(Kind::Registrations) => {
                    let list: Vec<DataProcessingRegistration> = typed(name, bytes)?;
                    shape = shape.and(Shape::of_registrations(&parse_value(name, bytes)?));
                    once(&mut registrations, name, list)?;
                }
                Some(Kind::Units) => once(&mut units, name, typed::<Vec<OrganizationUnit>>(name, bytes)?)?,
                Some(Kind::Users) => once(&mut users, name, typed::<Vec<OrganizationUser>>(name, bytes)?)?,
                Some(Kind::RoleTypes) => once(&mut role_types, name, typed::<Vec<RoleType>>(name, bytes)?)?,
                Some(Kind::Deletions) => once(&mut deletions, name, typed::<Vec<DeletedEntity>>(name, bytes)?)?,
                Some(Kind::System) => {
                    let system: ItSystem = typed(name, bytes)?;
                    systems.get_or_insert_with(BTreeMap::new).insert(system.uuid, system);
                }
                Some(Kind::Systems) => {
                    let list: Vec<ItSystem> = typed(name, bytes)?;
                    systems.get_or_insert_with(BTreeMap::new).extend(list.into_iter().map(|s| (s.uuid, s)));
                }
                None => {
                    let expected =
                        [USAGES, REGISTRATIONS, UNITS, USERS, "it-systems/<uuid>.json", ROLE_TYPES, DELETIONS];
                    return Err(Error::UnexpectedDocument { name: name.to_owned(), expected: expected.join(", ") });
                }
            }
        }
        Ok(Snapshot {
            shape,
            usages: required(usages, USAGES)?,
            registrations: required(registrations, REGISTRATIONS)?,
            units: required(units, UNITS)?,
            users: required(users, USERS)?,
            systems: systems.unwrap_or_default(),
            role_types,
            deletions,
        })
    }

    /// Reads one JSON object holding a whole export: `{"itSystemUsages": [...],
    /// "dataProcessingRegistrations": [...], "organizationUnits": [...], "users": [...],
    /// "itSystems": [...]}`, optionally with `"itSystemUsageRoleTypes"` and
    /// `"deletedEntities"`. `name` names it in errors, whose paths start at the key
    /// (`itSystemUsages[3].general.validity.validFrom`).
    pub fn from_bundle(name: &str, bytes: &[u8]) -> Result<Snapshot, Error> {
        let bundle: Bundle = parse_document(name, bytes)?;
        let value = parse_value(name, bytes)?;
        let key_shape =
            |key: &str, probe: fn(&serde_json::Value) -> Shape| value.get(key).map_or(Shape::Undetermined, probe);
        let shape = key_shape("itSystemUsages", Shape::of_usages)
            .and(key_shape("dataProcessingRegistrations", Shape::of_registrations));
        let part = |key: &str| Error::MissingPart { document: name.to_owned(), part: key.to_owned() };
        Ok(Snapshot {
            shape,
            usages: bundle.it_system_usages.ok_or_else(|| part("itSystemUsages"))?,
            registrations: bundle.data_processing_registrations.ok_or_else(|| part("dataProcessingRegistrations"))?,
            units: bundle.organization_units.ok_or_else(|| part("organizationUnits"))?,
            users: bundle.users.ok_or_else(|| part("users"))?,
            systems: bundle
                .it_systems
                .ok_or_else(|| part("itSystems"))?
                .into_iter()
                .map(|system| (system.uuid, system))
                .collect(),
            role_types: bundle.it_system_usage_role_types,
            deletions: bundle.deleted_entities,
        })
    }
}

/// A whole export in one JSON object.
#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Bundle {
    it_system_usages: Option<Vec<ItSystemUsage>>,
    data_processing_registrations: Option<Vec<DataProcessingRegistration>>,
    organization_units: Option<Vec<OrganizationUnit>>,
    users: Option<Vec<OrganizationUser>>,
    it_systems: Option<Vec<ItSystem>>,
    #[serde(alias = "roleTypes")]
    it_system_usage_role_types: Option<Vec<RoleType>>,
    deleted_entities: Option<Vec<DeletedEntity>>,
}
