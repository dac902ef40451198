//! The find query string: `name`, `provisioningState`, `offset`, `limit`
//! and `sort`, each at most once, nothing else.

use keygen_core::Name;

use super::error::{ApiError, ErrorCode};
use crate::domain::{ProjectId, ProvisioningState, ZoneName};
use crate::store::{FindQuery, SortField};

/// Largest page a find returns.
pub(super) const MAX_LIMIT: u64 = 1000;
/// Largest offset (2^53 − 1: exact in every JSON client).
pub(super) const MAX_OFFSET: u64 = (1 << 53) - 1;

fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::with_detail(ErrorCode::InvalidQueryParameter, detail)
}

/// Parses the raw query string of a find in `project` and `zone`.
///
/// # Errors
///
/// 400 (2005) naming the parameter, or a validator's refusal of `name`.
pub(super) fn parse_find(
    raw: Option<&str>,
    project: ProjectId,
    zone: ZoneName,
) -> Result<FindQuery, ApiError> {
    let mut q = FindQuery::new(project, zone);
    let mut seen = std::collections::HashSet::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if !seen.insert(key.clone().into_owned()) {
            return Err(invalid(format!("{key}: given more than once")));
        }
        match key.as_ref() {
            "name" => {
                let name = Name::new(&value).map_err(|e| invalid(e.to_string()))?;
                q.name = Some(name.as_str().to_owned());
            }
            "provisioningState" => {
                q.state =
                    Some(ProvisioningState::parse(&value).map_err(|e| invalid(e.to_string()))?);
            }
            "offset" => {
                q.offset = value
                    .parse()
                    .ok()
                    .filter(|o| *o <= MAX_OFFSET)
                    .ok_or_else(|| invalid(format!("offset: an integer from 0 to {MAX_OFFSET}")))?;
            }
            "limit" => {
                q.limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| invalid(format!("limit: an integer from 1 to {MAX_LIMIT}")))?;
            }
            "sort" => {
                if value.len() > 100 {
                    return Err(invalid("sort: at most 100 characters"));
                }
                for part in value.split(',') {
                    let (desc, field) = part.strip_prefix('-').map_or((false, part), |f| (true, f));
                    let field = SortField::parse(field).ok_or_else(|| {
                        invalid(
                            "sort: comma-separated fields among name, createdDate, lastModifiedDate, provisioningState, id, description; a leading '-' sorts descending",
                        )
                    })?;
                    q.sort.push((field, desc));
                }
            }
            other => {
                return Err(invalid(format!(
                    "unknown parameter {:?}; accepted: name, provisioningState, offset, limit, sort",
                    other.chars().take(40).collect::<String>()
                )));
            }
        }
    }
    Ok(q)
}
