//! Enums that tolerate values Kitos adds later: a [`Choice`] is a value this crate knows, or
//! the raw string of one it does not, so that an importer can report it instead of failing.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A Kitos enum: its members are spelled in JSON exactly as their C# names.
pub trait KitosEnum: Copy + Eq + fmt::Debug + 'static {
    /// Every member, in Kitos's order.
    const ALL: &'static [Self];

    /// The member's name as Kitos writes it (`"DontKnow"`, `"STSOrganisation"`).
    fn name(self) -> &'static str;

    /// The member named `name` exactly (Kitos's spelling is case-sensitive).
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|member| member.name() == name)
    }

    /// Whether this is `Undecided`, which Kitos uses for "reset / not answered".
    fn is_undecided(self) -> bool {
        self.name() == "Undecided"
    }
}

/// Enums whose members include `Yes` and `No`.
pub trait YesNo: KitosEnum {
    /// `Some(true)` for `Yes`, `Some(false)` for `No`, `None` for anything else (`DontKnow`,
    /// `Undecided`, `Irrelevant`).
    fn as_bool(self) -> Option<bool> {
        match self.name() {
            "Yes" => Some(true),
            "No" => Some(false),
            _ => None,
        }
    }
}

/// A value of the Kitos enum `T`, or the raw text of one this crate does not know.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Choice<T> {
    /// A member of `T`.
    Known(T),
    /// A value Kitos wrote that `T` does not have, as written (a number, if Kitos sent the
    /// integer form, appears here as its digits).
    Unknown(String),
}

impl<T: KitosEnum> Choice<T> {
    /// The member, when known.
    pub fn known(&self) -> Option<T> {
        match self {
            Choice::Known(member) => Some(*member),
            Choice::Unknown(_) => None,
        }
    }

    /// The raw text, when unknown.
    pub fn unknown(&self) -> Option<&str> {
        match self {
            Choice::Known(_) => None,
            Choice::Unknown(raw) => Some(raw),
        }
    }

    /// The value as Kitos wrote it.
    pub fn raw(&self) -> &str {
        match self {
            Choice::Known(member) => member.name(),
            Choice::Unknown(raw) => raw,
        }
    }

    /// Whether this is the member `member`.
    pub fn is(&self, member: T) -> bool {
        self.known() == Some(member)
    }

    /// Whether this is `Undecided` ("not answered").
    pub fn is_undecided(&self) -> bool {
        self.known().is_some_and(KitosEnum::is_undecided)
    }
}

impl<T: YesNo> Choice<T> {
    /// `Some(true)` for `Yes`, `Some(false)` for `No`, else `None` (unknown values included).
    pub fn as_bool(&self) -> Option<bool> {
        self.known().and_then(YesNo::as_bool)
    }
}

impl<T: KitosEnum> From<T> for Choice<T> {
    fn from(member: T) -> Self {
        Choice::Known(member)
    }
}

impl<T: KitosEnum> fmt::Display for Choice<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw())
    }
}

/// `None` for a question not answered: absent, `null` or `Undecided`.
pub trait Answered<T> {
    /// The answer, unless it is absent, `null` or `Undecided`.
    fn answered(&self) -> Option<&Choice<T>>;
}

impl<T: KitosEnum> Answered<T> for Option<Choice<T>> {
    fn answered(&self) -> Option<&Choice<T>> {
        self.as_ref().filter(|choice| !choice.is_undecided())
    }
}

impl<T: KitosEnum> Serialize for Choice<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.raw())
    }
}

impl<'de, T: KitosEnum> Deserialize<'de> for Choice<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ChoiceVisitor<T>(PhantomData<T>);

        impl<T: KitosEnum> Visitor<'_> for ChoiceVisitor<T> {
            type Value = Choice<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Kitos enum value (a string)")
            }

            fn visit_str<E: de::Error>(self, raw: &str) -> Result<Choice<T>, E> {
                Ok(T::from_name(raw).map_or_else(|| Choice::Unknown(raw.to_owned()), Choice::Known))
            }

            fn visit_i64<E: de::Error>(self, raw: i64) -> Result<Choice<T>, E> {
                Ok(Choice::Unknown(raw.to_string()))
            }

            fn visit_u64<E: de::Error>(self, raw: u64) -> Result<Choice<T>, E> {
                Ok(Choice::Unknown(raw.to_string()))
            }
        }

        deserializer.deserialize_any(ChoiceVisitor(PhantomData))
    }
}

/// Declares a Kitos enum: its members named exactly as Kitos writes them.
macro_rules! kitos_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $member:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $member),+
        }

        impl $crate::choice::KitosEnum for $name {
            const ALL: &'static [Self] = &[$(Self::$member),+];

            fn name(self) -> &'static str {
                match self {
                    $(Self::$member => stringify!($member)),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::choice::KitosEnum::name(*self))
            }
        }
    };
}

pub(crate) use kitos_enum;
