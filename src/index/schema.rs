//! The index schema, built from the field list in `index_schema/fields.tsv`; the facet table of
//! `index_schema/facets.tsv` ([`FacetKey`]), which every list of facets in the program is read
//! from; and the version stamp every commit carries so that an index from another version is
//! recognised, not misread.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};

use super::tokenizer::{BIGRAMS, WORDS};
use crate::error::{Error, Result};
use crate::lang::Lang;

/// Bumped whenever the fields, what is stored in them, or how documents are laid out change
/// (6: each report's sections are adjacent in one segment; 7: a report's metadata is kept in
/// fast columns only, no longer stored again with every section; 8: the three characters after
/// each pair of `index_schema/common_pairs.txt` are indexed too; 9: a report's `level`, places
/// for reports above towns, chrome cut beside prose instead of whole lines, format characters
/// and line breaks inside text dropped by normalisation, long sections cut into parts; 10: `issuer`
/// a normalised keyword facet, a section leading inline points indexed with their text, every
/// default-ignorable code point dropped; 11: an issuer written in parts or after two labels
/// read whole; 12: stored text compressed with LZ4 instead of zstd, and `copy_bands` and
/// `copy_sketch`, the fingerprints of copied passages and duplicate reports).
pub const SCHEMA_VERSION: u32 = 12;

const FIELDS_TSV: &str = include_str!("../../index_schema/fields.tsv");
const FACETS_TSV: &str = include_str!("../../index_schema/facets.tsv");

/// How a field is indexed, from the `kind` column of `index_schema/fields.tsv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Keyword,
    Label,
    Bigrams,
    Words,
    Stored,
    Number,
    Key,
    Facet,
    Hashes,
}

/// One row of the field list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: String,
    pub kind: FieldKind,
    pub description: String,
}

/// Parses a field list in the format of `index_schema/fields.tsv`.
pub fn parse_fields(data: &str) -> Result<Vec<FieldSpec>> {
    let mut specs = Vec::new();
    for (i, row) in data.lines().enumerate() {
        if row.trim().is_empty() || row.starts_with('#') {
            continue;
        }
        let bad = |reason: String| Error::SchemaData {
            file: "fields.tsv",
            line: i + 1,
            reason,
        };
        let cols: Vec<&str> = row.split('\t').collect();
        let [name, kind, description] = cols[..] else {
            return Err(bad("expected `name<TAB>kind<TAB>description`".into()));
        };
        let kind = match kind {
            "keyword" => FieldKind::Keyword,
            "label" => FieldKind::Label,
            "bigrams" => FieldKind::Bigrams,
            "words" => FieldKind::Words,
            "stored" => FieldKind::Stored,
            "number" => FieldKind::Number,
            "key" => FieldKind::Key,
            "facet" => FieldKind::Facet,
            "hashes" => FieldKind::Hashes,
            other => {
                return Err(bad(format!(
                    "unknown kind {other:?}: use keyword, label, bigrams, words, stored, number, key, facet or hashes"
                )));
            }
        };
        specs.push(FieldSpec {
            name: name.into(),
            kind,
            description: description.into(),
        });
    }
    Ok(specs)
}

/// The field list shipped in `index_schema/fields.tsv`.
pub fn field_specs() -> &'static [FieldSpec] {
    static SPECS: LazyLock<Vec<FieldSpec>> = LazyLock::new(|| {
        parse_fields(FIELDS_TSV)
            .expect("index_schema/fields.tsv is valid: checked by its unit test")
    });
    &SPECS
}

/// Builds the tantivy schema for a field list.
pub fn build_schema(specs: &[FieldSpec]) -> Schema {
    let mut builder = Schema::builder();
    for spec in specs {
        let name = spec.name.as_str();
        match spec.kind {
            FieldKind::Keyword => {
                let indexing = TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::Basic);
                let options = TextOptions::default()
                    .set_indexing_options(indexing)
                    .set_fast("raw");
                builder.add_text_field(name, options);
            }
            FieldKind::Label => {
                builder.add_text_field(name, TextOptions::default().set_fast("raw"));
            }
            FieldKind::Bigrams | FieldKind::Words => {
                let (tokenizer, record) = match spec.kind {
                    FieldKind::Bigrams => (BIGRAMS, IndexRecordOption::WithFreqsAndPositions),
                    _ => (WORDS, IndexRecordOption::WithFreqs),
                };
                let indexing = TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(record);
                builder.add_text_field(name, TextOptions::default().set_indexing_options(indexing));
            }
            FieldKind::Stored => {
                builder.add_text_field(name, TextOptions::default().set_stored());
            }
            FieldKind::Number => {
                let options = NumericOptions::default().set_indexed().set_fast();
                builder.add_u64_field(name, options);
            }
            FieldKind::Key => {
                builder.add_u64_field(name, NumericOptions::default().set_fast());
            }
            FieldKind::Facet => {
                builder.add_facet_field(name, FacetOptions::default());
            }
            FieldKind::Hashes => {
                builder.add_u64_field(name, NumericOptions::default().set_indexed());
            }
        }
    }
    builder.build()
}

/// Handles to the fields the code reads and writes.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub file: Field,
    pub title: Field,
    pub town: Field,
    pub county: Field,
    pub city: Field,
    pub province: Field,
    pub region: Field,
    pub level: Field,
    pub year: Field,
    pub issuer: Field,
    pub published: Field,
    pub section_type: Field,
    pub headings: Field,
    pub line: Field,
    pub text: Field,
    pub text_bigrams: Field,
    pub text_words: Field,
    pub report_key: Field,
    pub fingerprint: Field,
    pub as_read: Field,
    pub copy_bands: Field,
    pub copy_sketch: Field,
}

impl Fields {
    /// Looks every field up in `schema`; an index that lacks one is from another version.
    pub fn from_schema(schema: &Schema) -> std::result::Result<Fields, String> {
        let get = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| format!("it has no field {name:?}"))
        };
        Ok(Fields {
            file: get("file")?,
            title: get("title")?,
            town: get("town")?,
            county: get("county")?,
            city: get("city")?,
            province: get("province")?,
            region: get("region")?,
            level: get("level")?,
            year: get("year")?,
            issuer: get("issuer")?,
            published: get("published")?,
            section_type: get("section_type")?,
            headings: get("headings")?,
            line: get("line")?,
            text: get("text")?,
            text_bigrams: get("text_bigrams")?,
            text_words: get("text_words")?,
            report_key: get("report_key")?,
            fingerprint: get("fingerprint")?,
            as_read: get("as_read")?,
            copy_bands: get("copy_bands")?,
            copy_sketch: get("copy_sketch")?,
        })
    }
}

/// Whether a facet's value belongs to a report (all its sections share it) or to each section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Report,
    Section,
}

/// How a facet's values are counted, from the `shape` column of `index_schema/facets.tsv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Flat,
    /// A name only these facets' values make unique: counted and listed with them.
    Within(Vec<FacetKey>),
    /// A whole number, in a number field.
    Number,
}

/// What a filter value of a facet is, from the `values` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Values {
    /// The value or the start of it.
    Prefix,
    /// A number or a range of numbers.
    Range,
    /// One of the section types, exactly (aliases accepted).
    SectionTypes,
    /// One of the levels, exactly.
    Levels,
}

/// How a list of a facet's values is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Most matches first, ties in value order.
    Count,
    /// In value order.
    Value,
}

/// Where the page shows a facet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sidebar {
    /// Among the places, drilled down in this order.
    Region(u8),
    Own,
    Hidden,
}

/// One row of the facet table (`/api/facets` serves the table as JSON, for the page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetSpec {
    pub name: String,
    pub field: String,
    pub option: String,
    pub scope: Scope,
    pub shape: Shape,
    pub values: Values,
    pub order: Order,
    pub sidebar: Sidebar,
    pub zh: String,
    pub en: String,
}

/// Parses a facet table in the format of `index_schema/facets.tsv`, checking it against the
/// field list: every facet's field exists with a kind it can be counted by.
pub fn parse_facets(data: &str, fields: &[FieldSpec]) -> Result<Vec<FacetSpec>> {
    /// The value of a column that names one of `choices`.
    fn pick<T: Copy>(
        line: usize,
        column: &str,
        value: &str,
        choices: &[(&'static str, T)],
    ) -> Result<T> {
        crate::error::choose(value, choices, column).map_err(|e| Error::SchemaData {
            file: "facets.tsv",
            line,
            reason: e.to_string(),
        })
    }
    let rows: Vec<(usize, Vec<&str>)> = data
        .lines()
        .enumerate()
        .filter(|(_, row)| !row.trim().is_empty() && !row.starts_with('#'))
        .map(|(i, row)| (i + 1, row.split('\t').collect()))
        .collect();
    let names: Vec<&str> = rows.iter().map(|(_, cols)| cols[0]).collect();
    let mut specs: Vec<FacetSpec> = Vec::with_capacity(rows.len());
    for (line, cols) in rows {
        let bad = |reason: String| Error::SchemaData {
            file: "facets.tsv",
            line,
            reason,
        };
        let [
            name,
            field,
            option,
            scope,
            shape,
            values,
            order,
            sidebar,
            zh,
            en,
        ] = cols[..]
        else {
            return Err(bad(
                "expected 10 columns: name field option scope shape values order \
                            sidebar zh en"
                    .into(),
            ));
        };
        let scope = pick(
            line,
            "scope",
            scope,
            &[("report", Scope::Report), ("section", Scope::Section)],
        )?;
        let shape = match shape.strip_prefix("within:") {
            Some(parents) if parents.split(',').count() <= MAX_PARENTS => Shape::Within(
                parents
                    .split(',')
                    .map(|p| match names.iter().position(|n| *n == p) {
                        Some(at) if p != name => Ok(FacetKey(at as u8)),
                        _ => Err(bad(format!("within: {p:?} is not another facet"))),
                    })
                    .collect::<Result<_>>()?,
            ),
            Some(_) => return Err(bad(format!("within names at most {MAX_PARENTS} facets"))),
            None if shape == "number" => Shape::Number,
            None if shape == "flat" => Shape::Flat,
            None => {
                return Err(bad(format!(
                    "shape {shape:?}: use flat, number or within:A,B"
                )));
            }
        };
        let kind = fields.iter().find(|f| f.name == field).map(|f| f.kind);
        if !matches!(
            (kind, &shape),
            (Some(FieldKind::Number), Shape::Number)
                | (Some(FieldKind::Keyword), Shape::Flat | Shape::Within(_))
        ) {
            return Err(bad(format!(
                "field {field:?} is not a keyword or number field of fields.tsv (shape number \
                 goes with a number field)"
            )));
        }
        let values = pick(
            line,
            "values",
            values,
            &[
                ("prefix", Values::Prefix),
                ("range", Values::Range),
                ("section_types", Values::SectionTypes),
                ("levels", Values::Levels),
            ],
        )?;
        // The facet file keeps a byte per section: a vocabulary's few values.
        let vocabulary = matches!(values, Values::SectionTypes | Values::Levels);
        if scope == Scope::Section && (shape != Shape::Flat || !vocabulary) {
            return Err(bad(
                "a section's facet is flat, its values a vocabulary".into()
            ));
        }
        let sidebar = match sidebar.strip_prefix("region:").map(str::parse) {
            Some(Ok(n)) => Sidebar::Region(n),
            _ => pick(
                line,
                "sidebar",
                sidebar,
                &[("own", Sidebar::Own), ("-", Sidebar::Hidden)],
            )?,
        };
        if specs.iter().any(|s| s.name == name || s.option == option) {
            return Err(bad(format!("{name} (--{option}) is listed twice")));
        }
        specs.push(FacetSpec {
            name: name.into(),
            field: field.into(),
            option: option.into(),
            scope,
            shape,
            values,
            order: pick(
                line,
                "order",
                order,
                &[("count", Order::Count), ("value", Order::Value)],
            )?,
            sidebar,
            zh: zh.into(),
            en: en.into(),
        });
    }
    // The collector counts one section facet; a key is a byte.
    if specs.iter().filter(|s| s.scope == Scope::Section).count() > 1 || specs.len() > 255 {
        return Err(Error::SchemaData {
            file: "facets.tsv",
            line: 0,
            reason: "at most one facet has scope section, and at most 255 facets".into(),
        });
    }
    Ok(specs)
}

/// The most parents a facet is listed with (a town: its county and province): a facet's sort
/// key holds its value and theirs in four numbers.
pub const MAX_PARENTS: usize = 3;

/// A facet of `index_schema/facets.tsv`: its row number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FacetKey(u8);

impl FacetKey {
    /// The facet table shipped in `index_schema/facets.tsv`.
    pub fn specs() -> &'static [FacetSpec] {
        static SPECS: LazyLock<Vec<FacetSpec>> = LazyLock::new(|| {
            parse_facets(FACETS_TSV, field_specs())
                .expect("index_schema/facets.tsv is valid: checked by its unit test")
        });
        &SPECS
    }

    /// Every facet, in the table's order.
    pub fn all() -> impl Iterator<Item = FacetKey> + Clone {
        (0..FacetKey::specs().len()).map(|i| FacetKey(i as u8))
    }

    /// The facet of this name (`section_type`) or option (`type`).
    pub fn named(name: &str) -> Option<FacetKey> {
        FacetKey::all().find(|f| f.name() == name || f.option() == name)
    }

    /// The one facet whose values belong to sections, if the table has one.
    pub fn of_sections() -> Option<FacetKey> {
        static SECTIONS: LazyLock<Option<FacetKey>> =
            LazyLock::new(|| FacetKey::all().find(|f| f.spec().scope == Scope::Section));
        *SECTIONS
    }

    pub fn spec(self) -> &'static FacetSpec {
        &FacetKey::specs()[self.index()]
    }

    /// The row number, for arrays kept per facet.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    pub fn name(self) -> &'static str {
        &self.spec().name
    }

    pub fn option(self) -> &'static str {
        &self.spec().option
    }

    /// What a person calls it: 乡镇街道, Town.
    pub fn label(self, lang: Lang) -> &'static str {
        let spec = self.spec();
        lang.pick(&spec.zh, &spec.en)
    }

    /// The facets whose values tell this one's apart (none for a flat facet).
    pub fn parents(self) -> &'static [FacetKey] {
        match &self.spec().shape {
            Shape::Within(parents) => parents,
            _ => &[],
        }
    }
}

impl Serialize for FacetKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// What every commit records about the program that wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub schema_version: u32,
    pub writer: String,
    /// The groups of duplicate reports in this commit ([`super::copies`]), worked out by the
    /// run that made it, so that a search knows them without reading every report's sketch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<super::copies::DuplicateGroup>,
}

impl Stamp {
    pub fn current() -> Stamp {
        Stamp {
            schema_version: SCHEMA_VERSION,
            writer: format!("fazhi-search {}", env!("CARGO_PKG_VERSION")),
            duplicates: Vec::new(),
        }
    }

    /// The stamp a commit's `meta.json` payload carries, if it carries one of ours.
    pub fn of(metas: &tantivy::IndexMeta) -> Option<Stamp> {
        metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_list_parses_and_builds_every_field_the_code_uses() {
        let specs = parse_fields(FIELDS_TSV).expect("index_schema/fields.tsv");
        let schema = build_schema(&specs);
        Fields::from_schema(&schema).expect("every field the code uses is in fields.tsv");
        assert_eq!(schema.fields().count(), specs.len());
    }

    #[test]
    fn the_facet_table_parses_against_the_field_list() {
        let specs = parse_facets(FACETS_TSV, field_specs()).expect("index_schema/facets.tsv");
        assert_eq!(specs.len(), FacetKey::all().count());
        let town = FacetKey::named("town").expect("a town facet");
        let parents: Vec<&str> = town.parents().iter().map(|p| p.name()).collect();
        assert_eq!(parents, ["county", "province"]);
        assert_eq!(FacetKey::named("type"), FacetKey::named("section_type"));
        assert_eq!(
            FacetKey::of_sections().map(FacetKey::name),
            Some("section_type")
        );
    }

    #[test]
    fn a_bad_facet_row_names_its_line_and_what_to_write() {
        let fields = field_specs();
        // (the row, what the error says)
        let rows = [
            (
                "x\tnope\tx\treport\tflat\tprefix\tcount\town\tx\tx",
                "not a keyword or number",
            ),
            (
                "x\ttown\tx\treport\tround\tprefix\tcount\town\tx\tx",
                "shape \"round\"",
            ),
            (
                "x\tyear\tx\treport\tflat\trange\tcount\town\tx\tx",
                "shape number",
            ),
            (
                "x\ttown\tx\treport\twithin:y\tprefix\tcount\town\tx\tx",
                "not another facet",
            ),
            (
                "x\ttown\tx\tpage\tflat\tprefix\tcount\town\tx\tx",
                "scope \"page\"",
            ),
            ("x\ttown", "expected 10 columns"),
        ];
        for (row, expected) in rows {
            let err = parse_facets(row, fields).expect_err(row).to_string();
            assert!(
                err.contains("facets.tsv") && err.contains(expected),
                "{row}: {err}"
            );
        }
    }

    #[test]
    fn unknown_kind_is_reported_with_the_choices() {
        let err = parse_fields("x\tkeywrd\tdesc")
            .expect_err("must fail")
            .to_string();
        assert!(
            err.contains("fields.tsv, line 1") && err.contains("keyword, label, bigrams"),
            "{err}"
        );
    }
}
