//! One byte range of a file (RFC 9110 §14): `Range: bytes=a-b`, `bytes=a-` or `bytes=-n`, for the
//! static search index, whose blobs the browser reads out of a few large files.
//!
//! Anything else — no header, another unit, a malformed or reversed range, several ranges (one
//! header with a comma, or two headers), an `If-Range` (we send no validator it could match) —
//! asks for the whole file, which RFC 9110 allows a server to answer with 200.

use axum::http::{HeaderMap, header};
use std::ops::RangeInclusive;

#[derive(Debug, PartialEq, Eq)]
pub enum Range {
    /// Send the whole file (200).
    Full,
    /// Send these bytes (206); never empty, always inside the file.
    Part(RangeInclusive<usize>),
    /// A well-formed range that selects no byte of the file (416).
    Unsatisfiable,
}

/// The range a request asks of a file of `len` bytes.
pub fn requested(headers: &HeaderMap, len: usize) -> Range {
    let mut values = headers.get_all(header::RANGE).iter();
    match (values.next(), values.next()) {
        (Some(value), None) if !headers.contains_key(header::IF_RANGE) => value.to_str().map_or(Range::Full, |v| parse(v, len)),
        _ => Range::Full,
    }
}

/// One `Range` header value against a file of `len` bytes.
pub fn parse(value: &str, len: usize) -> Range {
    let Some((unit, spec)) = value.trim().split_once('=') else { return Range::Full };
    let Some((first, last)) = spec.split_once('-') else { return Range::Full };
    if !unit.eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return Range::Full;
    }
    let (start, end) = match (number(first), number(last)) {
        (Some(start), None) if last.is_empty() => (start, usize::MAX),
        (Some(start), Some(end)) if start <= end => (start, end),
        // The last n bytes (all of them when the file is shorter); zero bytes select nothing.
        (None, Some(0)) if first.is_empty() => return Range::Unsatisfiable,
        (None, Some(n)) if first.is_empty() => (len.saturating_sub(n), usize::MAX),
        _ => return Range::Full,
    };
    if start >= len {
        return Range::Unsatisfiable;
    }
    Range::Part(start..=end.min(len - 1))
}

/// ASCII digits only (`str::parse` would take a `+`); a value too large for usize saturates, which
/// is past the end of any file.
fn number(s: &str) -> Option<usize> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0usize, |n, b| n.saturating_mul(10).saturating_add(usize::from(b - b'0'))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn single_ranges() {
        assert_eq!(parse("bytes=0-0", 10), Range::Part(0..=0));
        assert_eq!(parse("bytes=2-5", 10), Range::Part(2..=5));
        assert_eq!(parse("bytes=2-", 10), Range::Part(2..=9));
        assert_eq!(parse("bytes=-3", 10), Range::Part(7..=9));
        // Past the end: cut at the end; a suffix longer than the file is the whole file.
        assert_eq!(parse("bytes=5-100", 10), Range::Part(5..=9));
        assert_eq!(parse("bytes=-100", 10), Range::Part(0..=9));
        assert_eq!(parse("bytes=0-99999999999999999999999", 10), Range::Part(0..=9));
        // The unit is case-insensitive; whitespace around the value is not part of it.
        assert_eq!(parse(" Bytes=1-2 ", 10), Range::Part(1..=2));
    }

    #[test]
    fn unsatisfiable_ranges() {
        assert_eq!(parse("bytes=10-", 10), Range::Unsatisfiable);
        assert_eq!(parse("bytes=10-20", 10), Range::Unsatisfiable);
        assert_eq!(parse("bytes=99999999999999999999999-", 10), Range::Unsatisfiable);
        assert_eq!(parse("bytes=-0", 10), Range::Unsatisfiable);
        assert_eq!(parse("bytes=0-", 0), Range::Unsatisfiable);
        assert_eq!(parse("bytes=-5", 0), Range::Unsatisfiable);
    }

    #[test]
    fn malformed_or_multiple_ranges_ask_for_the_whole_file() {
        for value in
            ["", "bytes", "bytes=", "bytes=-", "bytes=5-3", "bytes=a-b", "bytes=+1-2", "bytes=1-+2", "bytes= 1-2", "bytes=1 -2", "bytes=0-1-2", "items=0-1", "bytes=0-1,5-6", "bytes=0-1,"]
        {
            assert_eq!(parse(value, 10), Range::Full, "{value:?}");
        }
    }

    #[test]
    fn two_headers_or_if_range_ask_for_the_whole_file() {
        let mut headers = HeaderMap::new();
        assert_eq!(requested(&headers, 10), Range::Full);
        headers.insert(header::RANGE, HeaderValue::from_static("bytes=1-2"));
        assert_eq!(requested(&headers, 10), Range::Part(1..=2));
        headers.append(header::RANGE, HeaderValue::from_static("bytes=3-4"));
        assert_eq!(requested(&headers, 10), Range::Full);
        headers.remove(header::RANGE);
        headers.insert(header::RANGE, HeaderValue::from_static("bytes=1-2"));
        headers.insert(header::IF_RANGE, HeaderValue::from_static("\"etag\""));
        assert_eq!(requested(&headers, 10), Range::Full);
    }
}
