//! The template data model: an ordered multimap of single and vector attributes.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A vector attribute's body: ordered `(SUBKEY, value)` pairs with unique sub-keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vector {
    pairs: Vec<(String, String)>,
}

impl Vector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a vector from pairs; a repeated sub-key keeps its first value (as the text parser).
    ///
    /// O(n log n): large inputs (a template with thousands of sub-keys) are deduplicated by
    /// sorting, small ones by scanning.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let mut pairs: Vec<(String, String)> = pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        if pairs.len() <= 16 {
            let mut kept = 0;
            for i in 0..pairs.len() {
                if !pairs[..kept].iter().any(|(k, _)| *k == pairs[i].0) {
                    pairs.swap(kept, i);
                    kept += 1;
                }
            }
            pairs.truncate(kept);
            return Vector { pairs };
        }
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        order.sort_by(|&a, &b| pairs[a].0.cmp(&pairs[b].0)); // stable: first occurrence first
        let mut keep = vec![false; pairs.len()];
        for run in order.chunk_by(|&a, &b| pairs[a].0 == pairs[b].0) {
            keep[run[0]] = true;
        }
        let mut i = 0;
        pairs.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        Vector { pairs }
    }

    /// The value of a sub-key (exact, case-sensitive match).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Sets a sub-key, replacing its value in place or appending it.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        match self.pairs.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.pairs.push((key, value)),
        }
    }

    /// Removes a sub-key and returns its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let pos = self.pairs.iter().position(|(k, _)| k == key)?;
        Some(self.pairs.remove(pos).1)
    }

    /// The pairs in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }
}

/// One attribute of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attribute {
    /// `NAME = "value"`
    Single { name: String, value: String },
    /// `NAME = [ A = "x", B = "y" ]`
    Vector { name: String, vector: Vector },
}

impl Attribute {
    pub fn name(&self) -> &str {
        match self {
            Attribute::Single { name, .. } | Attribute::Vector { name, .. } => name,
        }
    }

    pub fn as_single(&self) -> Option<&str> {
        match self {
            Attribute::Single { value, .. } => Some(value),
            Attribute::Vector { .. } => None,
        }
    }

    pub fn as_vector(&self) -> Option<&Vector> {
        match self {
            Attribute::Vector { vector, .. } => Some(vector),
            Attribute::Single { .. } => None,
        }
    }

    pub fn as_vector_mut(&mut self) -> Option<&mut Vector> {
        match self {
            Attribute::Vector { vector, .. } => Some(vector),
            Attribute::Single { .. } => None,
        }
    }
}

/// An ordered multimap of attributes.
///
/// Lookups by name are exact (names are stored upper-cased by the parsers; callers pass
/// upper-case names).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Template {
    attrs: Vec<Attribute>,
}

impl Template {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_attributes(attrs: Vec<Attribute>) -> Self {
        Template { attrs }
    }

    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty()
    }

    pub fn len(&self) -> usize {
        self.attrs.len()
    }

    /// All attributes in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &Attribute> {
        self.attrs.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Attribute> {
        self.attrs.iter_mut()
    }

    pub fn into_attributes(self) -> Vec<Attribute> {
        self.attrs
    }

    /// The first single-valued attribute with this name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attrs.iter().filter(|a| a.name() == name).find_map(Attribute::as_single)
    }

    /// Every attribute with this name, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Attribute> + 'a {
        self.attrs.iter().filter(move |a| a.name() == name)
    }

    /// The first vector attribute with this name.
    pub fn vector(&self, name: &str) -> Option<&Vector> {
        self.attrs.iter().filter(|a| a.name() == name).find_map(Attribute::as_vector)
    }

    pub fn vector_mut(&mut self, name: &str) -> Option<&mut Vector> {
        self.attrs.iter_mut().filter(|a| a.name() == name).find_map(Attribute::as_vector_mut)
    }

    /// Every vector attribute with this name, in order.
    pub fn vectors<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Vector> + 'a {
        self.get_all(name).filter_map(Attribute::as_vector)
    }

    pub fn vectors_mut<'a>(&'a mut self, name: &'a str) -> impl Iterator<Item = &'a mut Vector> + 'a {
        self.attrs.iter_mut().filter(move |a| a.name() == name).filter_map(Attribute::as_vector_mut)
    }

    /// True if some attribute (single or vector) has this name.
    pub fn contains(&self, name: &str) -> bool {
        self.attrs.iter().any(|a| a.name() == name)
    }

    /// Appends an attribute, keeping any others with the same name.
    pub fn push(&mut self, attr: Attribute) {
        self.attrs.push(attr);
    }

    /// Appends a single attribute.
    pub fn add(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.attrs.push(Attribute::Single { name: name.into(), value: value.into() });
    }

    /// Appends a vector attribute.
    pub fn add_vector(&mut self, name: impl Into<String>, vector: Vector) {
        self.attrs.push(Attribute::Vector { name: name.into(), vector });
    }

    /// Sets a single attribute: replaces every attribute of that name by one, at the position of
    /// the first, or appends it.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.replace(Attribute::Single { name: name.into(), value: value.into() });
    }

    /// Replaces every attribute named like `attr` by `attr` (at the first one's place) or appends it.
    pub fn replace(&mut self, attr: Attribute) {
        match self.attrs.iter().position(|a| a.name() == attr.name()) {
            Some(first) => {
                let name = attr.name().to_string();
                self.attrs[first] = attr;
                let mut i = 0;
                self.attrs.retain(|a| {
                    let keep = i <= first || a.name() != name;
                    i += 1;
                    keep
                });
            }
            None => self.attrs.push(attr),
        }
    }

    /// Removes every attribute with this name and returns them.
    pub fn remove(&mut self, name: &str) -> Vec<Attribute> {
        let mut removed = Vec::new();
        let mut kept = Vec::with_capacity(self.attrs.len());
        for a in self.attrs.drain(..) {
            if a.name() == name {
                removed.push(a);
            } else {
                kept.push(a);
            }
        }
        self.attrs = kept;
        removed
    }

    /// Keeps only the attributes for which `keep` is true.
    pub fn retain(&mut self, keep: impl FnMut(&Attribute) -> bool) {
        self.attrs.retain(keep);
    }

    /// OpenNebula's "append" update mode: every name present in `other` replaces all attributes
    /// of that name here (all of `other`'s occurrences are kept); other names are left alone.
    pub fn merge(&mut self, other: Template) {
        let mut names: Vec<String> = other.attrs.iter().map(|a| a.name().to_string()).collect();
        names.sort();
        names.dedup();
        self.attrs.retain(|a| names.binary_search_by(|n| n.as_str().cmp(a.name())).is_err());
        self.attrs.extend(other.attrs);
    }

    /// The attribute names as they appear, with repeats.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.attrs.iter().map(Attribute::name)
    }
}

// Serde: a template is a sequence of `[name, value]` where value is a string (single) or a
// sequence of `[key, value]` pairs (vector). Compact and readable in the store's JSON bodies.

impl Serialize for Vector {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.pairs.len()))?;
        for (k, v) in &self.pairs {
            seq.serialize_element(&(k, v))?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Vector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs: Vec<(String, String)> = Vec::deserialize(d)?;
        Ok(Vector { pairs })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum ValueRepr {
    Single(String),
    Vector(Vector),
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.attrs.len()))?;
        for a in &self.attrs {
            match a {
                Attribute::Single { name, value } => seq.serialize_element(&(name, value))?,
                Attribute::Vector { name, vector } => seq.serialize_element(&(name, vector))?,
            }
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TV;
        impl<'de> Visitor<'de> for TV {
            type Value = Template;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence of [name, value] pairs")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Template, A::Error> {
                let mut attrs = Vec::new();
                while let Some((name, value)) = seq.next_element::<(String, ValueRepr)>()? {
                    attrs.push(match value {
                        ValueRepr::Single(value) => Attribute::Single { name, value },
                        ValueRepr::Vector(vector) => Attribute::Vector { name, vector },
                    });
                }
                Ok(Template { attrs })
            }
        }
        d.deserialize_seq(TV).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_all_and_keeps_position() {
        let mut t = Template::new();
        t.add("A", "1");
        t.add("B", "2");
        t.add("A", "3");
        t.set("A", "9");
        assert_eq!(t.names().collect::<Vec<_>>(), ["A", "B"]);
        assert_eq!(t.get("A"), Some("9"));
    }

    #[test]
    fn merge_replaces_by_name() {
        let mut t = Template::new();
        t.add("A", "1");
        t.add("B", "2");
        let mut o = Template::new();
        o.add("A", "x");
        o.add("A", "y");
        t.merge(o);
        assert_eq!(t.get_all("A").count(), 2);
        assert_eq!(t.get("B"), Some("2"));
    }

    #[test]
    fn from_pairs_keeps_first_for_small_and_large_inputs() {
        for n in [5usize, 100] {
            let pairs: Vec<(String, String)> = (0..n).map(|i| (format!("K{}", i % (n / 2)), i.to_string())).collect();
            let v = Vector::from_pairs(pairs);
            assert_eq!(v.len(), n / 2);
            for i in 0..n / 2 {
                assert_eq!(v.get(&format!("K{i}")), Some(i.to_string().as_str()));
            }
            let keys: Vec<&str> = v.iter().map(|(k, _)| k).collect();
            let expected: Vec<String> = (0..n / 2).map(|i| format!("K{i}")).collect();
            assert_eq!(keys, expected);
        }
    }

    #[test]
    fn serde_round_trip() {
        let mut t = Template::new();
        t.add("CPU", "1");
        t.add_vector("DISK", Vector::from_pairs([("IMAGE_ID", "0"), ("TARGET", "vda")]));
        let js = serde_json::to_string(&t).unwrap();
        assert_eq!(js, r#"[["CPU","1"],["DISK",[["IMAGE_ID","0"],["TARGET","vda"]]]]"#);
        let back: Template = serde_json::from_str(&js).unwrap();
        assert_eq!(back, t);
    }
}
