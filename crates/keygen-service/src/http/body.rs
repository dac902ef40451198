//! The create request body: read within limits, parsed (only a JSON
//! object, no unknown or repeated member, no repeated tag key), and each
//! field validated by keygen-core.

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};
use keygen_core::{Description, Name, PublicKeyLine, Tags};
use serde::Deserialize;

use super::error::{ApiError, ErrorCode};

/// The create request body: a JSON object (an array or any other JSON
/// value is refused), unknown and duplicate members refused, optional
/// members never `null`.
#[derive(Debug)]
struct CreateBody {
    name: String,
    description: Option<String>,
    tags: Option<BTreeMap<String, String>>,
    public_key: Option<String>,
}

/// The members of a create body, as serde's messages list them.
const CREATE_FIELDS: &[&str] = &["name", "description", "tags", "publicKey"];

// Written by hand rather than derived: a derived struct visitor also
// accepts a JSON array (serde reads structs from sequences, so `["x"]`
// would create a key pair named x), and its messages name the Rust type.
impl<'de> Deserialize<'de> for CreateBody {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(CreateBodyVisitor)
    }
}

struct CreateBodyVisitor;

impl<'de> serde::de::Visitor<'de> for CreateBodyVisitor {
    type Value = CreateBody;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object with the members name, description, tags and publicKey")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<CreateBody, A::Error> {
        use serde::de::Error;
        let mut name = None;
        let mut description = None;
        let mut tags = None;
        let mut public_key = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            // `null` is not a string (the OpenAPI schema makes no member
            // nullable), and a `"publicKey": null` must not quietly turn
            // an import into a generation: each member reads its own type.
            match key.as_ref() {
                "name" if name.is_some() => return Err(A::Error::duplicate_field("name")),
                "name" => name = Some(map.next_value::<String>()?),
                "description" if description.is_some() => {
                    return Err(A::Error::duplicate_field("description"));
                }
                "description" => description = Some(map.next_value::<String>()?),
                "tags" if tags.is_some() => return Err(A::Error::duplicate_field("tags")),
                "tags" => tags = Some(map.next_value::<UniqueTags>()?.0),
                "publicKey" if public_key.is_some() => {
                    return Err(A::Error::duplicate_field("publicKey"));
                }
                "publicKey" => public_key = Some(map.next_value::<String>()?),
                other => return Err(A::Error::unknown_field(other, CREATE_FIELDS)),
            }
        }
        Ok(CreateBody {
            name: name.ok_or_else(|| A::Error::missing_field("name"))?,
            description,
            tags,
            public_key,
        })
    }
}

/// Tags as a JSON object of strings, each key once: a repeated key is
/// refused as a repeated member is, rather than the last one winning.
struct UniqueTags(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for UniqueTags {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagsVisitor;
        impl<'de> serde::de::Visitor<'de> for TagsVisitor {
            type Value = UniqueTags;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("tags as a JSON object of string values")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<UniqueTags, A::Error> {
                let mut tags = BTreeMap::new();
                while let Some((key, value)) = map.next_entry::<String, String>()? {
                    if tags.contains_key(&key) {
                        let shown: String = key.chars().take(40).collect();
                        return Err(serde::de::Error::custom(format_args!(
                            "duplicate tag key {shown:?}"
                        )));
                    }
                    tags.insert(key, value);
                }
                Ok(UniqueTags(tags))
            }
        }
        deserializer.deserialize_map(TagsVisitor)
    }
}

/// `detail` cut to at most `max` bytes, on a character boundary (the
/// message may quote the input); whole when it fits.
fn cut_to(mut detail: String, max: usize) -> String {
    if detail.len() > max {
        let cut = (0..=max)
            .rev()
            .find(|&i| detail.is_char_boundary(i))
            .unwrap_or(0);
        detail.truncate(cut);
    }
    detail
}

/// Reads a JSON body: content type first, then at most `limit` bytes (no
/// further), within `timeout`. Every failure is a 400 in the API's format,
/// but a body that does not arrive in time, a 408.
pub(super) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<Bytes, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ErrorCode::UnsupportedContentType.into());
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::body_too_large(limit));
    }
    let read = tokio::time::timeout(timeout, axum::body::to_bytes(body, limit))
        .await
        .map_err(|_| ApiError::body_timeout(timeout))?;
    read.map_err(|e| {
        if format!("{e:?}").contains("LengthLimit") {
            ApiError::body_too_large(limit)
        } else {
            ApiError::with_detail(
                ErrorCode::MalformedJson,
                "the request body could not be read",
            )
        }
    })
}

/// A create request, every field validated by keygen-core.
#[derive(Debug)]
pub struct CreateRequest {
    /// The key pair's name.
    pub name: Name,
    /// Its description.
    pub description: Option<Description>,
    /// Its tags.
    pub tags: Tags,
    /// The imported public key; `None` asks for a generated key pair.
    pub public_key: Option<PublicKeyLine>,
}

/// Parses and validates a create request body (raw bytes, as received):
/// JSON syntax, the schema (unknown fields refused), then each field.
///
/// # Errors
///
/// The 400 the API answers: malformed JSON (2000), schema (2003), or the
/// validator's refusal (1000–1199).
pub fn parse_create_request(
    body: &[u8],
    options: &keygen_core::PublicKeyOptions<'_>,
) -> Result<CreateRequest, ApiError> {
    let req: CreateBody = serde_json::from_slice(body).map_err(|e| {
        let detail = cut_to(e.to_string(), 200);
        match e.classify() {
            serde_json::error::Category::Data => {
                ApiError::with_detail(ErrorCode::InvalidBody, detail)
            }
            _ => ApiError::with_detail(ErrorCode::MalformedJson, detail),
        }
    })?;
    Ok(CreateRequest {
        name: Name::new(&req.name)?,
        description: req
            .description
            .as_deref()
            .map(Description::new)
            .transpose()?,
        tags: Tags::from_map(req.tags.unwrap_or_default())?,
        public_key: req
            .public_key
            .as_deref()
            .map(|line| PublicKeyLine::with_options(line, options))
            .transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(body: &[u8]) -> (u16, String) {
        let e = parse_create_request(body, &keygen_core::PublicKeyOptions::api()).unwrap_err();
        (e.code(), e.description().to_owned())
    }

    #[test]
    fn details_are_whole_or_cut_on_a_character_boundary() {
        assert_eq!(
            refusal(b"{}"),
            (2003, "missing field `name` at line 1 column 2".to_owned())
        );
        let long = format!("{{\"{}\": 1}}", "\u{e9}".repeat(150));
        let (code, detail) = refusal(long.as_bytes());
        assert_eq!(code, 2003);
        assert!(
            detail.len() <= 200 && detail.len() > 190,
            "{}",
            detail.len()
        );
        assert_eq!(cut_to("abc".into(), 3), "abc");
        assert_eq!(cut_to("ab\u{e9}".into(), 3), "ab");
    }

    #[test]
    fn only_objects_and_each_member_and_tag_once() {
        for body in [&b"[\"x\"]"[..], b"\"x\"", b"1", b"null"] {
            let (code, detail) = refusal(body);
            assert_eq!(code, 2003);
            assert!(detail.contains("expected a JSON object"), "{detail}");
            assert!(!detail.contains("struct"), "{detail}");
        }
        let (code, detail) = refusal(br#"{"name":"a","tags":{"k":"1","k":"2"}}"#);
        assert_eq!(code, 2003);
        assert!(detail.starts_with("duplicate tag key \"k\""), "{detail}");
        let (code, detail) = refusal(br#"{"name":"a","name":"b"}"#);
        assert_eq!(code, 2003);
        assert!(detail.starts_with("duplicate field `name`"), "{detail}");
        let ok = parse_create_request(
            br#"{"name":"a","tags":{"k":"1","K":"2"},"description":"d"}"#,
            &keygen_core::PublicKeyOptions::api(),
        )
        .unwrap();
        assert_eq!(ok.name.as_str(), "a");
        assert!(ok.public_key.is_none());
    }
}
