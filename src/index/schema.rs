//! The index schema, built from the field list in `index_schema/fields.tsv`, and the version
//! stamp every commit carries so that an index from another version is recognised, not misread.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};

use super::tokenizer::{BIGRAMS, WORDS};
use crate::error::{Error, Result};

/// Bumped whenever the fields, what is stored in them, or how documents are laid out change
/// (6: each report's sections are adjacent in one segment; 7: a report's metadata is kept in
/// fast columns only, no longer stored again with every section; 8: the three characters after
/// each pair of `index_schema/common_pairs.txt` are indexed too; 9: a report's `level`, places
/// for reports above towns, chrome cut beside prose instead of whole lines, format characters
/// and line breaks inside text dropped by normalisation, long sections cut into parts).
pub const SCHEMA_VERSION: u32 = 9;

const FIELDS_TSV: &str = include_str!("../../index_schema/fields.tsv");

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
            other => {
                return Err(bad(format!(
                    "unknown kind {other:?}: use keyword, label, bigrams, words, stored, number, key or facet"
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
        })
    }
}

/// What every commit records about the program that wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub schema_version: u32,
    pub writer: String,
}

impl Stamp {
    pub fn current() -> Stamp {
        Stamp {
            schema_version: SCHEMA_VERSION,
            writer: format!("fazhi-search {}", env!("CARGO_PKG_VERSION")),
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
