//! textstats: counts and transforms of text, written in Rust (no_std, no crates).
//!
//! Every instruction costs fuel, so the loops take ASCII bytes on a fast path and decode
//! a char only for the rest.
#![no_std]

#[path = "../sdk/edge_agent.rs"]
#[macro_use]
mod edge_agent;

use edge_agent::{alloc_slice, Error, Writer, ERR_ARGS, ERR_NOMEM};

const TOP_DEFAULT: i64 = 10; // words top_words returns unless asked otherwise
const TOP_MAX: i64 = 100; // most words top_words returns

fn nomem() -> Error {
    Error::new(ERR_NOMEM, "out of memory")
}

/// Bytes of `text` mapped char by char: ASCII through `ascii`, the rest through `map`.
fn mapped_len<I: Iterator<Item = char>>(text: &str, map: fn(char) -> I) -> usize {
    let mut len = 0;
    for c in text.chars() {
        len += if c.is_ascii() { 1 } else { map(c).map(char::len_utf8).sum() };
    }
    len
}

/// Appends `text` mapped char by char (raw, no CBOR head).
fn put_mapped<I: Iterator<Item = char>>(out: &mut Writer, text: &str, ascii: fn(&u8) -> u8, map: fn(char) -> I) {
    for c in text.chars() {
        if c.is_ascii() {
            out.byte(ascii(&(c as u8)));
        } else {
            for m in map(c) {
                out.raw_char(m);
            }
        }
    }
}

/// One text item: `text` with its case mapped.
fn put_case<I: Iterator<Item = char>>(out: &mut Writer, text: &str, ascii: fn(&u8) -> u8, map: fn(char) -> I) {
    let len = mapped_len(text, map);
    out.head(3, len as u64);
    if out.reserve_more(len) {
        put_mapped(out, text, ascii, map);
    }
}

/// The (start, end) byte offsets of the runs of letters and digits in `text`.
fn alnum_runs(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = None;
    text.char_indices().chain(core::iter::once((text.len(), ' '))).filter_map(move |(i, c)| {
        match (start, c.is_alphanumeric()) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                start = None;
                return Some((s, i));
            }
            _ => {}
        }
        None
    })
}

export! {
    /// count(text) -> {"bytes", "chars", "words", "lines"}: words are runs of non-whitespace,
    /// lines count a last line without a newline.
    fn count(call) {
        let text = call.text()?;
        call.done()?;
        let (mut chars, mut words, mut newlines) = (0u64, 0u64, 0u64);
        let mut in_word = false;
        for c in text.chars() {
            chars += 1;
            newlines += (c == '\n') as u64;
            let space = c.is_whitespace();
            words += (!space && !in_word) as u64;
            in_word = !space;
        }
        let lines = newlines + (!text.is_empty() && !text.ends_with('\n')) as u64;
        let out = &mut call.out;
        out.map(4);
        out.text("bytes");
        out.uint(text.len() as u64);
        out.text("chars");
        out.uint(chars);
        out.text("words");
        out.uint(words);
        out.text("lines");
        out.uint(lines);
        Ok(())
    }

    /// upper(text) -> the text in upper case (full Unicode mapping: "ß" becomes "SS").
    fn upper(call) {
        let text = call.text()?;
        call.done()?;
        put_case(&mut call.out, text, u8::to_ascii_uppercase, char::to_uppercase);
        Ok(())
    }

    /// lower(text) -> the text in lower case (full Unicode mapping).
    fn lower(call) {
        let text = call.text()?;
        call.done()?;
        put_case(&mut call.out, text, u8::to_ascii_lowercase, char::to_lowercase);
        Ok(())
    }

    /// reverse(text) -> the text with its characters (Unicode scalar values) in reverse order.
    fn reverse(call) {
        let text = call.text()?;
        call.done()?;
        let out = &mut call.out;
        out.head(3, text.len() as u64);
        if out.reserve_more(text.len()) {
            let b = text.as_bytes();
            let mut end = b.len();
            while end > 0 {
                let mut start = end - 1;
                while b[start] & 0xC0 == 0x80 {
                    start -= 1; // continuation byte: the char starts earlier
                }
                out.raw(&b[start..end]);
                end = start;
            }
        }
        Ok(())
    }

    /// words(text) -> the runs of non-whitespace, in order.
    fn words(call) {
        let text = call.text()?;
        call.done()?;
        let out = &mut call.out;
        let at = out.begin_container(4);
        let mut n = 0;
        for w in text.split_whitespace() {
            out.text(w);
            n += 1;
        }
        out.end_container(at, n);
        Ok(())
    }

    /// top_words(text, n?) -> [[word, count], ...]: the n (default 10, at most 100) most
    /// frequent words, most frequent first, ties in alphabetical order. Words are runs of
    /// letters and digits, compared in lower case.
    fn top_words(call) {
        let text = call.text()?;
        let n = call.opt_int()?.unwrap_or(TOP_DEFAULT);
        call.done()?;
        if !(0..=TOP_MAX).contains(&n) {
            return Err(Error::new(ERR_ARGS, "n must be 0 to ").and_int(TOP_MAX));
        }
        let mut low = Writer::with_capacity(mapped_len(text, char::to_lowercase));
        put_mapped(&mut low, text, u8::to_ascii_lowercase, char::to_lowercase);
        if low.oom() {
            return Err(nomem());
        }
        let low = core::str::from_utf8(low.as_bytes()).map_err(|_| nomem())?;
        // Words as (start, end, tally) in the lower-cased copy: sorted so equal words are
        // adjacent, collapsed in place into one entry each, then ordered by tally.
        let nwords = alnum_runs(low).count();
        let words = alloc_slice::<(u32, u32, u32)>(nwords).ok_or_else(nomem)?;
        for (slot, (s, e)) in words.iter_mut().zip(alnum_runs(low)) {
            *slot = (s as u32, e as u32, 1);
        }
        let word = |w: &(u32, u32, u32)| &low[w.0 as usize..w.1 as usize];
        words.sort_unstable_by(|a, b| word(a).cmp(word(b)));
        let mut distinct = 0;
        for i in 0..words.len() {
            if distinct > 0 && word(&words[distinct - 1]) == word(&words[i]) {
                words[distinct - 1].2 += 1;
            } else {
                words[distinct] = words[i];
                distinct += 1;
            }
        }
        let tallies = &mut words[..distinct];
        tallies.sort_unstable_by(|a, b| b.2.cmp(&a.2).then_with(|| word(a).cmp(word(b))));
        let shown = &tallies[..distinct.min(n as usize)];
        call.out.array(shown.len());
        for w in shown {
            call.out.array(2);
            call.out.text(word(w));
            call.out.uint(w.2 as u64);
        }
        Ok(())
    }
}
