//! The data protection officer's own voice (*databeskyttelsesrådgiverens rådgivning*): the
//! DPO's advice on the decision whether a DPIA is needed, on a DPIA, and on a change, with
//! whether the owner followed it (GDPR art. 35(2) and 39(1)(c)). The advice is the DPO's; the
//! decision stays the owner's, and the register keeps both side by side.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{RecordId, SystemId};
use crate::values::{Prose, Violation};

string_enum! {
    /// What the advice is on.
    pub enum AdviceTopic {
        /// The decision whether a DPIA is needed.
        DpiaDecision => "dpia_decision",
        /// A DPIA (`about_id` names it).
        Dpia => "dpia",
        /// A change of the system (`about_id` names it).
        Change => "change",
    }
}

/// The DPO's advice as given, from a request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewDpoAdvice {
    /// What the advice is on.
    pub topic: AdviceTopic,
    /// For `dpia` and `change`: the DPIA's or the change's id.
    #[serde(default)]
    pub about_id: Option<RecordId>,
    /// When the advice was given (not in the future).
    pub given_on: NaiveDate,
    /// The advice.
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub advice: Prose,
    /// Whether the owner followed it, once known.
    #[serde(default)]
    pub followed: Option<bool>,
}

impl NewDpoAdvice {
    /// The rules the advice breaks on `today`, given the ids of the system's DPIAs and changes.
    pub fn violations(&self, today: NaiveDate, dpias: &[RecordId], changes: &[RecordId]) -> Vec<Violation> {
        let mut out = Vec::new();
        if self.given_on > today {
            out.push(Violation::new("given_on", "not_in_future", "cannot be in the future"));
        }
        let known = match self.topic {
            AdviceTopic::DpiaDecision => None,
            AdviceTopic::Dpia => Some((dpias, "a DPIA of the system")),
            AdviceTopic::Change => Some((changes, "a change of the system")),
        };
        match (known, self.about_id) {
            (None, Some(_)) => out.push(Violation::new(
                "about_id",
                "not_applicable",
                "advice on the DPIA decision names no record: the system has one decision",
            )),
            (Some((_, what)), None) => {
                out.push(Violation::new("about_id", "required", format!("name {what} the advice is on")));
            }
            (Some((ids, what)), Some(id)) if !ids.contains(&id) => {
                out.push(Violation::new("about_id", "exists", format!("must be {what}")));
            }
            _ => {}
        }
        out
    }
}

/// The DPO's advice as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DpoAdvice {
    /// Identifier.
    pub id: RecordId,
    /// The system.
    pub system_id: SystemId,
    /// What the advice is on.
    pub topic: AdviceTopic,
    /// The DPIA or change it is on.
    pub about_id: Option<RecordId>,
    /// When it was given.
    pub given_on: NaiveDate,
    /// The advice.
    pub advice: String,
    /// Whether the owner followed it (`null`: not known yet).
    pub followed: Option<bool>,
    /// Who recorded it (the DPO).
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
    /// Increases with every change.
    pub version: i64,
}

/// Changes to recorded advice: absent fields stay; `null` clears.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DpoAdviceChanges {
    /// The advice, corrected.
    #[serde(default, deserialize_with = "crate::values::present")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 10000))]
    pub advice: Option<Prose>,
    /// Whether the owner followed it; `null`: not known.
    #[serde(default, deserialize_with = "crate::values::patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<bool>, nullable))]
    pub followed: Option<Option<bool>>,
}

impl DpoAdviceChanges {
    /// The advice with these changes.
    pub fn apply(&self, mut a: DpoAdvice) -> DpoAdvice {
        if let Some(text) = &self.advice {
            text.as_str().clone_into(&mut a.advice);
        }
        if let Some(followed) = self.followed {
            a.followed = followed;
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Text;

    fn advice(topic: AdviceTopic, about: Option<u128>, given_on: &str) -> NewDpoAdvice {
        NewDpoAdvice {
            topic,
            about_id: about.map(|n| RecordId::from_uuid(uuid::Uuid::from_u128(n))),
            given_on: given_on.parse().unwrap(),
            advice: Text::parse("Lav en DPIA: der behandles helbredsoplysninger om børn.").unwrap(),
            followed: None,
        }
    }

    #[test]
    fn advice_is_on_something_the_system_has() {
        let today: NaiveDate = "2026-12-01".parse().unwrap();
        let dpia = [RecordId::from_uuid(uuid::Uuid::from_u128(1))];
        let rules = |a: &NewDpoAdvice| -> Vec<String> {
            a.violations(today, &dpia, &[]).into_iter().map(|v| format!("{}:{}", v.field, v.rule)).collect()
        };
        assert!(rules(&advice(AdviceTopic::DpiaDecision, None, "2026-11-30")).is_empty());
        assert!(rules(&advice(AdviceTopic::Dpia, Some(1), "2026-12-01")).is_empty());
        assert_eq!(rules(&advice(AdviceTopic::Dpia, Some(2), "2026-12-01")), ["about_id:exists"]);
        assert_eq!(
            rules(&advice(AdviceTopic::Change, None, "2026-12-02")),
            ["given_on:not_in_future", "about_id:required"]
        );
        assert_eq!(rules(&advice(AdviceTopic::DpiaDecision, Some(1), "2026-12-01")), ["about_id:not_applicable"]);
    }
}
