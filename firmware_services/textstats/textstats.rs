//! textstats: counts and transforms of text, written in Rust (no_std, no crates).
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

/// Writes one text item of `len` bytes made of `chars`.
fn put_chars(out: &mut Writer, len: usize, chars: impl Iterator<Item = char>) {
    out.head(3, len as u64);
    for c in chars {
        out.raw_char(c);
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
        let lines = text.bytes().filter(|&b| b == b'\n').count()
            + (!text.is_empty() && !text.ends_with('\n')) as usize;
        let out = &mut call.out;
        out.map(4);
        out.text("bytes");
        out.uint(text.len() as u64);
        out.text("chars");
        out.uint(text.chars().count() as u64);
        out.text("words");
        out.uint(text.split_whitespace().count() as u64);
        out.text("lines");
        out.uint(lines as u64);
        Ok(())
    }

    /// upper(text) -> the text in upper case (full Unicode mapping: "ß" becomes "SS").
    fn upper(call) {
        let text = call.text()?;
        call.done()?;
        let len = text.chars().flat_map(char::to_uppercase).map(char::len_utf8).sum();
        put_chars(&mut call.out, len, text.chars().flat_map(char::to_uppercase));
        Ok(())
    }

    /// lower(text) -> the text in lower case (full Unicode mapping).
    fn lower(call) {
        let text = call.text()?;
        call.done()?;
        let len = text.chars().flat_map(char::to_lowercase).map(char::len_utf8).sum();
        put_chars(&mut call.out, len, text.chars().flat_map(char::to_lowercase));
        Ok(())
    }

    /// reverse(text) -> the text with its characters (Unicode scalar values) in reverse order.
    fn reverse(call) {
        let text = call.text()?;
        call.done()?;
        put_chars(&mut call.out, text.len(), text.chars().rev());
        Ok(())
    }

    /// words(text) -> the runs of non-whitespace, in order.
    fn words(call) {
        let text = call.text()?;
        call.done()?;
        call.out.array(text.split_whitespace().count());
        for w in text.split_whitespace() {
            call.out.text(w);
        }
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
        // Lower-case a copy, then find the words in it as (start, end) offsets.
        let mut low = Writer::with_capacity(text.len());
        for c in text.chars().flat_map(char::to_lowercase) {
            low.raw_char(c);
        }
        if low.oom() {
            return Err(nomem());
        }
        let low = low.as_bytes();
        let low = core::str::from_utf8(low).map_err(|_| nomem())?;
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
