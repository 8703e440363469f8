//! Strict JSON parsing for request bodies and import cells: a struct never takes an array,
//! and a body with several bad fields reports every one at once, each named by its path
//! (`gait.cadence_spm`, `health.pain[0].score_0_10`) with a reason in plain words.

use serde::de::DeserializeOwned;

use super::FieldError;

fn strip_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

/// Most field errors reported for one body: enough for any form, bounded work per request.
const MAX_FIELD_ERRORS: usize = 50;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

fn steps(path: &serde_path_to_error::Path) -> Vec<Step> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(Step::Index(*index)),
            Segment::Map { key } => Some(Step::Key(key.clone())),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect()
}

fn render(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() {
        "body".to_owned()
    } else {
        out
    }
}

/// The text between the first pair of backticks: serde's way of quoting a field name.
fn quoted(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// serde's backtick lists (`` `a`, `b` ``) as plain words.
fn plain_list(message: &str) -> String {
    message.replace('`', "")
}

/// What an `expected …` clause of serde asks for, in words a form can show.
fn expected_in_words(expected: &str) -> &'static str {
    let e = expected.trim();
    if ["f64", "f32"].iter().any(|t| e.contains(t)) || e.contains("floating point") {
        "must be a number"
    } else if ["u8", "u16", "u32", "u64", "usize"].iter().any(|t| e.contains(t)) {
        "must be a whole number, 0 or more"
    } else if ["i8", "i16", "i32", "i64", "isize"].iter().any(|t| e.contains(t)) || e.contains("integer") {
        "must be a whole number"
    } else if e.contains("bool") {
        "must be true or false"
    } else if e.contains("sequence") || e.contains("array") || e.contains("Vec") {
        "must be a list"
    } else if e.contains("struct") || e.contains("map") {
        "must be an object"
    } else if e.contains("date") || e.contains("RFC") || e.contains("time") {
        "must be an RFC 3339 time such as 2026-11-25T10:15:00Z"
    } else if e.contains("string") || e.contains("char") {
        "must be a string"
    } else if e.contains("UUID") || e.contains("uuid") {
        "must be a UUID"
    } else {
        "has the wrong type"
    }
}

/// Turns serde's message for a data error into `(field, reason)`: a missing field is named
/// as itself, and no Rust type name or echoed value reaches the client.
/// A deserializer's message in plain words (no Rust type names), e.g. for a query parameter.
pub fn reason_in_words(message: &str) -> String {
    describe(Vec::new(), message).1
}

fn describe(mut path: Vec<Step>, message: &str) -> (Vec<Step>, String) {
    let message = strip_position(message);
    if let Some(rest) = message.strip_prefix("missing field ") {
        if let Some(name) = quoted(rest) {
            path.push(Step::Key(name.to_owned()));
        }
        return (path, "is required".to_owned());
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let name = quoted(rest).unwrap_or_default().to_owned();
        if path.last() != Some(&Step::Key(name.clone())) {
            path.push(Step::Key(name));
        }
        let allowed = rest.split_once(", expected ").map(|(_, list)| plain_list(list));
        let reason = match allowed {
            Some(list) if !list.is_empty() => format!("is not a known field (expected {list})"),
            _ => "is not a known field".to_owned(),
        };
        return (path, reason);
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let allowed = rest.split_once(", expected ").map_or_else(String::new, |(_, list)| plain_list(list));
        let allowed = allowed.trim_start_matches("one of ").trim_start_matches("either ");
        return (path, format!("must be one of: {allowed}"));
    }
    if message.starts_with("invalid type: ") || message.starts_with("invalid value: ") {
        let expected = message.split_once(", expected ").map_or("", |(_, e)| e);
        return (path, expected_in_words(expected).to_owned());
    }
    if message.starts_with("invalid length ") {
        return (path, "has the wrong number of items".to_owned());
    }
    if message.contains("invalid digit") || message.contains("number too large") || message.contains("number too small") {
        return (path, "must be a whole number in range".to_owned());
    }
    // chrono's parse errors: the field is a timestamp.
    if ["input contains invalid characters", "premature end of input", "trailing input", "input is out of range", "input is not enough", "no possible date and time"]
        .iter()
        .any(|m| message.contains(m))
    {
        return (path, "must be an RFC 3339 time such as 2026-11-25T10:15:00Z".to_owned());
    }
    // uuid's parse errors.
    if message.contains("urn:uuid") || message.contains("expected length 32") || message.contains("group count") || message.contains("UUID") {
        return (path, "must be a UUID".to_owned());
    }
    if message.starts_with("data did not match any variant") {
        return (path, "has the wrong shape".to_owned());
    }
    // The service's own range checks already speak plainly ("must be between 120 and 240 steps/min").
    (path, message.to_owned())
}

/// Removes the value at `path` so that parsing can go on past it; `false` when it cannot.
/// An array element is cut with everything after it, so that the paths reported later still
/// point at the same elements.
fn remove_at(value: &mut serde_json::Value, path: &[Step]) -> bool {
    let Some((last, parent)) = path.split_last() else { return false };
    let mut node = value;
    for step in parent {
        node = match (step, node) {
            (Step::Key(k), serde_json::Value::Object(map)) => match map.get_mut(k) {
                Some(v) => v,
                None => return false,
            },
            (Step::Index(i), serde_json::Value::Array(items)) => match items.get_mut(*i) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, node) {
        (Step::Key(k), serde_json::Value::Object(map)) => map.remove(k).is_some(),
        (Step::Index(i), serde_json::Value::Array(items)) if *i < items.len() => {
            items.truncate(*i);
            true
        }
        _ => false,
    }
}

/// Values tried in place of a required field that is missing (or was reported and removed),
/// so that the fields after it are still checked: one of them fits most ranges of the
/// service's units. Enums get their first variant, read from serde's message.
const STAND_INS: &[&str] = &["0", "1", "3", "10", "50", "70", "100", "170", "1000", "\"x\"", "true"];

/// The object at `path`, if there is one.
fn object_at<'a>(value: &'a mut serde_json::Value, path: &[Step]) -> Option<&'a mut serde_json::Map<String, serde_json::Value>> {
    let mut node = value;
    for step in path {
        node = match (step, node) {
            (Step::Key(k), serde_json::Value::Object(map)) => map.get_mut(k)?,
            (Step::Index(i), serde_json::Value::Array(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    node.as_object_mut()
}

/// Puts at `path` (an object key) the first stand-in after which parsing no longer fails
/// there; `false` (and the key left out) if none does.
fn stand_in<T: DeserializeOwned>(value: &mut serde_json::Value, path: &[Step]) -> bool {
    let Some((Step::Key(key), parent)) = path.split_last() else { return false };
    let mut candidates: Vec<serde_json::Value> = STAND_INS.iter().filter_map(|c| serde_json::from_str(c).ok()).collect();
    let mut tried = 0;
    while tried < candidates.len() && tried < 20 {
        let candidate = candidates[tried].clone();
        tried += 1;
        let Some(map) = object_at(value, parent) else { return false };
        map.insert(key.clone(), candidate);
        let Err(e) = serde_path_to_error::deserialize::<_, T>(Strict(&*value)) else { return true };
        let message = e.inner().to_string();
        if describe(steps(e.path()), &message).0 != path {
            return true;
        }
        if let Some(variant) = message.strip_prefix("unknown variant ").and_then(|m| m.split_once("expected ")).and_then(|(_, l)| quoted(l)) {
            let variant = serde_json::Value::String(variant.to_owned());
            if !candidates.contains(&variant) {
                candidates.push(variant);
            }
        }
    }
    if let Some(map) = object_at(value, parent) {
        map.remove(key);
    }
    false
}

/// Why a JSON document was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JsonError {
    /// Not JSON at all, or nested deeper than 128 levels.
    #[error("{0}")]
    Malformed(String),
    /// Well-formed, but fields are wrong, missing or out of range: every one, with its path.
    #[error("{}", .0.iter().map(FieldError::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
}

/// Parses JSON, reporting a syntax error (or nesting deeper than 128 levels) as malformed, and
/// every wrong, missing or out-of-range field at once with its path.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    // Fast path: most bodies are valid. Read straight from the bytes under `Strict`'s rules
    // (no tree of values, no path tracking); whatever this refuses goes the way below, which
    // says why. What it accepts, the way below accepts as the same value (the
    // `a_valid_body_parses_as_through_a_tree_of_values` test compares the two).
    let mut stream = serde_json::Deserializer::from_slice(bytes);
    if let Ok(parsed) = T::deserialize(StrictStream(&mut stream)) {
        if stream.end().is_ok() {
            return Ok(parsed);
        }
    }
    parse_through_value(bytes)
}

/// `parse` through a `serde_json::Value`: the syntax checked first, then the fields, each
/// error with its path.
fn parse_through_value<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    // Syntax first: serde_json's recursion limit (128 levels) makes deep nesting a syntax error.
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        JsonError::Malformed(format!("{} (line {}, column {})", strip_position(&e.to_string()), e.line(), e.column()))
    })?;
    if let Ok(parsed) = T::deserialize(Strict(&value)) {
        return Ok(parsed);
    }
    let mut errors: Vec<FieldError> = Vec::new();
    let mut reported: Vec<Vec<Step>> = Vec::new();
    // Each pass removes or stands in one value, so this ends; the cap bounds the work.
    for _ in 0..MAX_FIELD_ERRORS * 4 {
        if errors.len() >= MAX_FIELD_ERRORS {
            break;
        }
        let err = match serde_path_to_error::deserialize::<_, T>(Strict(&value)) {
            Ok(parsed) if errors.is_empty() => return Ok(parsed),
            Ok(_) => break,
            Err(err) => err,
        };
        let (path, reason) = describe(steps(err.path()), &err.inner().to_string());
        let missing = reason == "is required";
        // A field already reported (and removed) shows up again as missing.
        let echo = reported.iter().any(|r| r.starts_with(&path) || path.starts_with(r));
        if !echo {
            errors.push(FieldError::new(render(&path), reason));
            reported.push(path.clone());
        }
        let progressed = if missing && stand_in::<T>(&mut value, &path) {
            true
        } else if missing || echo {
            // Its object can never parse: drop it and go on with its siblings.
            let parent = &path[..path.len().saturating_sub(1)];
            reported.push(parent.to_vec());
            remove_at(&mut value, parent)
        } else {
            remove_at(&mut value, &path)
        };
        if !progressed {
            break;
        }
    }
    if errors.is_empty() {
        errors.push(FieldError::new("body", "has the wrong shape"));
    }
    Err(JsonError::Invalid(errors))
}

/// Deserializes from a `serde_json::Value` like serde_json does, except that a struct never
/// accepts a JSON array: serde's derived structs take their fields positionally from a
/// sequence, so `"red_flags": [true, null]` would otherwise parse as a red-flags object.
/// The OpenAPI document promises objects, and so does the service.
struct Strict<'a>(&'a serde_json::Value);

struct StrictSeq<'a>(std::slice::Iter<'a, serde_json::Value>);

struct StrictMap<'a> {
    entries: serde_json::map::Iter<'a>,
    value: Option<&'a serde_json::Value>,
}

impl<'de, 'a> serde::de::SeqAccess<'de> for StrictSeq<'a> {
    type Error = serde_json::Error;
    fn next_element_seed<S: serde::de::DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, Self::Error> {
        self.0.next().map(|v| seed.deserialize(Strict(v))).transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

impl<'de, 'a> serde::de::MapAccess<'de> for StrictMap<'a> {
    type Error = serde_json::Error;
    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(serde::de::value::StrDeserializer::<serde_json::Error>::new(key)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(Strict(v)),
            None => Err(serde::de::Error::custom("value without a key")),
        }
    }
}

struct StrictEnum<'a> {
    variant: &'a str,
    value: Option<&'a serde_json::Value>,
}

impl<'de, 'a> serde::de::EnumAccess<'de> for StrictEnum<'a> {
    type Error = serde_json::Error;
    type Variant = Self;
    fn variant_seed<V: serde::de::DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Self::Error> {
        let variant = seed.deserialize(serde::de::value::StrDeserializer::<serde_json::Error>::new(self.variant))?;
        Ok((variant, self))
    }
}

impl<'de, 'a> serde::de::VariantAccess<'de> for StrictEnum<'a> {
    type Error = serde_json::Error;
    fn unit_variant(self) -> Result<(), Self::Error> {
        match self.value {
            None | Some(serde_json::Value::Null) => Ok(()),
            Some(_) => Err(serde::de::Error::custom("expected a unit variant")),
        }
    }
    fn newtype_variant_seed<T: serde::de::DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Self::Error> {
        match self.value {
            Some(v) => seed.deserialize(Strict(v)),
            None => Err(serde::de::Error::invalid_type(serde::de::Unexpected::UnitVariant, &"a newtype variant")),
        }
    }
    fn tuple_variant<V: serde::de::Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Some(v) => serde::Deserializer::deserialize_any(Strict(v), visitor),
            None => Err(serde::de::Error::invalid_type(serde::de::Unexpected::UnitVariant, &"a tuple variant")),
        }
    }
    fn struct_variant<V: serde::de::Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Some(v @ serde_json::Value::Object(_)) => serde::Deserializer::deserialize_any(Strict(v), visitor),
            _ => Err(serde::de::Error::invalid_type(serde::de::Unexpected::UnitVariant, &"a struct variant")),
        }
    }
}

impl<'de, 'a> serde::Deserializer<'de> for Strict<'a> {
    type Error = serde_json::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        use serde_json::Value;
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                // JSON has one number type: `2024.0` is the integer 2024 (as JSON Schema says),
                // so a whole float reaches integer fields as an integer; float fields take both.
                const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
                match (n.as_u64(), n.as_i64(), n.as_f64()) {
                    (Some(u), _, _) => visitor.visit_u64(u),
                    (_, Some(i), _) => visitor.visit_i64(i),
                    (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < EXACT && f >= 0.0 => visitor.visit_u64(f as u64),
                    (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < EXACT => visitor.visit_i64(f as i64),
                    (_, _, f) => visitor.visit_f64(f.unwrap_or(f64::NAN)),
                }
            }
            Value::String(s) => visitor.visit_str(s),
            Value::Array(items) => visitor.visit_seq(StrictSeq(items.iter())),
            Value::Object(map) => visitor.visit_map(StrictMap { entries: map.iter(), value: None }),
        }
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            serde_json::Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            serde_json::Value::Object(_) => self.deserialize_any(visitor),
            serde_json::Value::Array(_) => Err(serde::de::Error::invalid_type(serde::de::Unexpected::Seq, &"struct")),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        use serde_json::Value;
        match self.0 {
            Value::String(s) => visitor.visit_enum(StrictEnum { variant: s, value: None }),
            Value::Object(map) if map.len() == 1 => match map.iter().next() {
                Some((k, v)) => visitor.visit_enum(StrictEnum { variant: k, value: Some(v) }),
                None => Err(serde::de::Error::invalid_type(serde::de::Unexpected::Map, &"an enum")),
            },
            Value::Object(_) => Err(serde::de::Error::invalid_type(serde::de::Unexpected::Map, &"one of the allowed values")),
            other => Err(serde::de::Error::invalid_type(unexpected(other), &"one of the allowed values")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

/// What `Strict` makes of a JSON number that is not an integer: a whole one below 2^53 reaches
/// the visitor as an integer (so `2024.0` fills an integer field), any other as a float.
fn visit_float<'de, V: serde::de::Visitor<'de>, E: serde::de::Error>(f: f64, visitor: V) -> Result<V::Value, E> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if f.fract() == 0.0 && f.abs() < EXACT && f >= 0.0 {
        visitor.visit_u64(f as u64)
    } else if f.fract() == 0.0 && f.abs() < EXACT {
        visitor.visit_i64(f as i64)
    } else {
        visitor.visit_f64(f)
    }
}

/// `Strict`'s rules on a streaming deserializer (serde_json's over the body's bytes): whole
/// floats reach visitors as integers, and a struct refuses a JSON array. Every value and
/// every nested one goes through it, so a body it accepts reads as the same value `Strict`
/// reads from the body's tree (the fitting types deny unknown fields and take no maps, so
/// no value is skipped unread and no key is read as a number).
struct StrictStream<D>(D);

/// A visitor seeing the values of a `StrictStream`.
struct StrictVisitor<V>(V);

/// A struct's visitor: a JSON object only.
struct StrictStructVisitor<V>(V);

struct StrictSeed<S>(S);

struct StrictAccess<A>(A);

impl<'de, S: serde::de::DeserializeSeed<'de>> serde::de::DeserializeSeed<'de> for StrictSeed<S> {
    type Value = S::Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(StrictStream(deserializer))
    }
}

impl<'de, A: serde::de::SeqAccess<'de>> serde::de::SeqAccess<'de> for StrictAccess<A> {
    type Error = A::Error;
    fn next_element_seed<S: serde::de::DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, A::Error> {
        self.0.next_element_seed(StrictSeed(seed))
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

// Keys are read as `Strict` reads them (as strings, not through the rules).
impl<'de, A: serde::de::MapAccess<'de>> serde::de::MapAccess<'de> for StrictAccess<A> {
    type Error = A::Error;
    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(seed)
    }
    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(StrictSeed(seed))
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: serde::de::EnumAccess<'de>> serde::de::EnumAccess<'de> for StrictAccess<A> {
    type Error = A::Error;
    type Variant = StrictAccess<A::Variant>;
    fn variant_seed<V: serde::de::DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant), A::Error> {
        self.0.variant_seed(seed).map(|(value, variant)| (value, StrictAccess(variant)))
    }
}

impl<'de, A: serde::de::VariantAccess<'de>> serde::de::VariantAccess<'de> for StrictAccess<A> {
    type Error = A::Error;
    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }
    fn newtype_variant_seed<T: serde::de::DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(StrictSeed(seed))
    }
    fn tuple_variant<V: serde::de::Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, StrictVisitor(visitor))
    }
    fn struct_variant<V: serde::de::Visitor<'de>>(self, fields: &'static [&'static str], visitor: V) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, StrictStructVisitor(visitor))
    }
}

/// The visits a JSON deserializer makes, passed on with the nested values kept under the rules.
macro_rules! strict_visits {
    () => {
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            self.0.visit_bool(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            self.0.visit_i64(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.0.visit_u64(v)
        }
        fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Self::Value, E> {
            self.0.visit_i128(v)
        }
        fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Self::Value, E> {
            self.0.visit_u128(v)
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            visit_float(v, self.0)
        }
        fn visit_char<E: serde::de::Error>(self, v: char) -> Result<Self::Value, E> {
            self.0.visit_char(v)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            self.0.visit_str(v)
        }
        fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            self.0.visit_borrowed_str(v)
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
            self.0.visit_string(v)
        }
        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
            self.0.visit_bytes(v)
        }
        fn visit_borrowed_bytes<E: serde::de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
            self.0.visit_borrowed_bytes(v)
        }
        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
            self.0.visit_byte_buf(v)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            self.0.visit_none()
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
            self.0.visit_some(StrictStream(deserializer))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            self.0.visit_unit()
        }
        fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
            self.0.visit_newtype_struct(StrictStream(deserializer))
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            self.0.visit_map(StrictAccess(map))
        }
        fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
            self.0.visit_enum(StrictAccess(data))
        }
    };
}

impl<'de, V: serde::de::Visitor<'de>> serde::de::Visitor<'de> for StrictVisitor<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.0.expecting(f)
    }
    strict_visits!();
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.visit_seq(StrictAccess(seq))
    }
}

impl<'de, V: serde::de::Visitor<'de>> serde::de::Visitor<'de> for StrictStructVisitor<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.0.expecting(f)
    }
    strict_visits!();
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _seq: A) -> Result<Self::Value, A::Error> {
        Err(serde::de::Error::invalid_type(serde::de::Unexpected::Seq, &"struct"))
    }
}

/// Each of serde's hints passed on with the visitor wrapped.
macro_rules! strict_hints {
    ($($method:ident),*) => {
        $(
            fn $method<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                self.0.$method(StrictVisitor(visitor))
            }
        )*
    };
}

impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for StrictStream<D> {
    type Error = D::Error;

    strict_hints!(
        deserialize_any, deserialize_bool, deserialize_i8, deserialize_i16, deserialize_i32, deserialize_i64,
        deserialize_i128, deserialize_u8, deserialize_u16, deserialize_u32, deserialize_u64, deserialize_u128,
        deserialize_f32, deserialize_f64, deserialize_char, deserialize_str, deserialize_string, deserialize_bytes,
        deserialize_byte_buf, deserialize_option, deserialize_unit, deserialize_seq, deserialize_map,
        deserialize_identifier, deserialize_ignored_any
    );

    fn deserialize_unit_struct<V: serde::de::Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, StrictVisitor(visitor))
    }
    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, StrictVisitor(visitor))
    }
    fn deserialize_tuple<V: serde::de::Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, StrictVisitor(visitor))
    }
    fn deserialize_tuple_struct<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, StrictVisitor(visitor))
    }
    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, StrictStructVisitor(visitor))
    }
    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, StrictVisitor(visitor))
    }
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

fn unexpected(value: &serde_json::Value) -> serde::de::Unexpected<'_> {
    use serde::de::Unexpected;
    use serde_json::Value;
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(Unexpected::Other("number"), Unexpected::Float),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        speed_m_s: f64,
        cadence_spm: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Inner,
        #[serde(default)]
        tags: Vec<u8>,
        #[serde(default)]
        flag: Option<bool>,
    }

    fn fields(result: Result<Outer, JsonError>) -> Vec<(String, String)> {
        match result {
            Err(JsonError::Invalid(errors)) => errors.into_iter().map(|e| (e.field, e.reason)).collect(),
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn every_field_error_is_reported_at_once_without_rust_type_names() {
        let body = br#"{"name": 3, "inner": {"speed_m_s": "fast", "cadence_spm": -1}, "flag": "yes"}"#;
        let errors = fields(parse(body));
        let mut names: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["flag", "inner.cadence_spm", "inner.speed_m_s", "name"], "{errors:?}");
        for (_, reason) in &errors {
            for rust in ["f64", "u32", "bool", "expected", "invalid digit", "struct"] {
                assert!(!reason.contains(rust), "{reason}");
            }
        }
    }

    #[test]
    fn a_missing_field_is_named_as_itself() {
        let errors = fields(parse(br#"{"name": "x", "inner": {"speed_m_s": 3.0}}"#));
        assert_eq!(errors, [("inner.cadence_spm".to_owned(), "is required".to_owned())]);
    }

    #[test]
    fn an_unknown_field_is_named_and_bad_list_items_keep_their_index() {
        let errors = fields(parse(br#"{"name": "x", "inner": {"speed_m_s": 3.0, "cadence_spm": 170}, "tags": [1, 900], "nope": 1}"#));
        let mut names: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["nope", "tags[1]"], "{errors:?}");
    }

    #[test]
    fn an_object_sent_as_an_array_is_refused() {
        let errors = fields(parse(br#"{"name": "x", "inner": [3.0, 170]}"#));
        assert_eq!(errors, [("inner".to_owned(), "must be an object".to_owned())]);
        assert!(parse::<Outer>(br#"{"name": "x", "inner": {"speed_m_s": 3, "cadence_spm": 170}, "tags": [1], "flag": null}"#).is_ok());
    }

    /// The fast path must give exactly what the tree of values gives: the same value (to the
    /// bit, `-0.0` made `0`, `2024.0` an integer), the same refusals.
    #[test]
    fn a_valid_body_parses_as_through_a_tree_of_values() {
        use crate::fitting::{examples, Fitting};
        use serde::Deserialize;
        fn same<T: DeserializeOwned + std::fmt::Debug>(body: &str) {
            let fast = format!("{:?}", parse::<T>(body.as_bytes()));
            let tree = format!("{:?}", parse_through_value::<T>(body.as_bytes()));
            assert_eq!(fast, tree, "{body}");
        }
        let shop = examples::shop_fitting().to_string();
        let web = examples::web_fitting().to_string();
        for body in [&shop, &web] {
            same::<Fitting>(body);
            // Taken by the fast path itself.
            let mut stream = serde_json::Deserializer::from_slice(body.as_bytes());
            assert!(Fitting::deserialize(StrictStream(&mut stream)).is_ok() && stream.end().is_ok(), "{body}");
            // Every number in the body written as a float, a negative zero, an exponent.
            for (from, to) in [(":70", ":70.0"), (":61", ":-0.0"), (":61", ":-0"), (":1", ":1e0"), (":2", ":2.000"), (",", " ,\n")] {
                same::<Fitting>(&body.replacen(from, to, 3));
            }
        }
        same::<Fitting>(&format!("{shop} x"));
        same::<Fitting>(&shop.replacen('{', "{\"profile\": {}, ", 1));
        same::<Fitting>(&shop.replacen('{', "{\"health\": [], ", 1));
        same::<Fitting>(&shop.replacen('{', "{\"nope\": \"\\ud800\", ", 1));
        same::<Outer>(r#"{"name": "x", "inner": {"speed_m_s": -0.0, "cadence_spm": 170.0}, "tags": [1, 2.0], "flag": null}"#);
        same::<Outer>(r#"{"name": "x", "inner": {"speed_m_s": -1e-400, "cadence_spm": 1.7e2}}"#);
        same::<Outer>(r#"{"name": "x", "inner": [3.0, 170]}"#);
        same::<Outer>(r#"{"name": "x", "name": "y", "inner": {"speed_m_s": 3, "cadence_spm": 170}}"#);
        same::<Outer>(r#"{"name": "x", "inner": {"speed_m_s": 9007199254740993, "cadence_spm": 18446744073709551615}}"#);
        same::<Outer>(r#"{"name": "x", "inner": {"speed_m_s": 1e300, "cadence_spm": 170}, "tags": [255.0, -0]}"#);
        let mut stream = serde_json::Deserializer::from_slice(br#"{"name": "x", "inner": [3.0, 170]}"#);
        assert!(Outer::deserialize(StrictStream(&mut stream)).is_err(), "a struct from an array");
        let parsed: Outer = parse(br#"{"name": "x", "inner": {"speed_m_s": -0.0, "cadence_spm": 170.0}}"#).unwrap();
        assert_eq!(parsed.inner.speed_m_s.to_bits(), 0.0f64.to_bits(), "-0.0 reads as 0 through a tree of values");
    }

    #[test]
    fn deep_nesting_is_malformed_json() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(matches!(parse::<Outer>(deep.as_bytes()), Err(JsonError::Malformed(_))));
    }
}
