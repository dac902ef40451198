//! A create request body from raw bytes to a validated request, exactly as
//! the service parses it: no input panics, and every refusal is a 400 with a
//! documented code.

/// Checks the properties above on one input.
///
/// # Panics
///
/// When a property does not hold.
pub fn run(data: &[u8]) {
    let options = keygen_core::PublicKeyOptions::api();
    match keygen_service::internal::parse_create_request(data, &options) {
        Ok(request) => assert!(!request.name.as_str().is_empty()),
        Err(e) => {
            assert_eq!(e.status().as_u16(), 400);
            assert!(
                (1000..1200).contains(&e.code()) || (2000..2004).contains(&e.code()),
                "{}",
                e.code()
            );
        }
    }
}
