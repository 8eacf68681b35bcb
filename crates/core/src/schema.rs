//! Helpers for the OpenAPI schemas of values the API takes as text but
//! accepts from a fixed list (`#[schema(schema_with = …)]`): the document
//! then says the list, from the same constant the server checks against.

use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};

/// A string that must be one of `values`.
pub fn choice(description: &str, values: &[&str]) -> utoipa::openapi::Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .description(Some(description))
        .enum_values(Some(values.iter().copied()))
        .build()
}
