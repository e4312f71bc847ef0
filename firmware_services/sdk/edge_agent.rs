//! The module side of the edge-agent service ABI v1 (docs/service-abi.md) for Rust services:
//! `#![no_std]`, no `alloc`, no crates — only `core` from Debian's wasm32-unknown-unknown std.
//!
//! Use it from the crate root of a `cdylib` as
//!
//! ```ignore
//! #![no_std]
//! #[path = "../sdk/edge_agent.rs"]
//! #[macro_use]
//! mod edge_agent;
//! use edge_agent::{Call, Result};
//!
//! export! {
//!     /// greet(name) -> "Hello, <name>!"
//!     fn greet(call) {
//!         let name = call.text()?;
//!         call.done()?;
//!         call.out.text_parts(&["Hello, ", name, "!"]);
//!         Ok(())
//!     }
//! }
//! ```
//!
//! It provides the `ea_alloc` export, the `edge-agent.abi` custom section, a panic handler
//! (a panic is a trap), a per-call bump arena, a bounded CBOR (RFC 8949) reader and writer,
//! and the host imports. The reply is `{"ok": <the one value written to call.out>}` (null if
//! none), or `{"err": msg, "code": n}` when the function returns `Err`.
//!
//! Memory: the arena starts at `__heap_base` and grows memory up to the declared maximum
//! (`-C link-arg=--max-memory=N`); everything a call allocates is released when the host asks
//! for the next call's argument buffer. State that outlives a call belongs in statics.
#![allow(dead_code)]

use core::arch::wasm32;

/// The ABI version, as the custom section the host looks for.
#[link_section = "edge-agent.abi"]
#[used]
static ABI_VERSION: [u8; 1] = *b"1";

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // The message is dropped on purpose: formatting it would pull core::fmt into every module.
    wasm32::unreachable()
}

/// The host imports (module `env`); only the ones a module uses end up in its import section.
pub mod host {
    #[link(wasm_import_module = "env")]
    extern "C" {
        pub fn ea_log(level: i32, ptr: *const u8, len: i32);
        pub fn ea_clock_monotonic_ns() -> i64;
        pub fn ea_clock_wall_ms() -> i64;
        pub fn ea_random(ptr: *mut u8, len: i32) -> i32;
        pub fn ea_kv_get(kptr: *const u8, klen: i32, vptr: *mut u8, vcap: i32) -> i32;
        pub fn ea_kv_put(kptr: *const u8, klen: i32, vptr: *const u8, vlen: i32) -> i32;
        pub fn ea_kv_delete(kptr: *const u8, klen: i32) -> i32;
        pub fn ea_sensor_read(nptr: *const u8, nlen: i32, out: *mut f64) -> i32;
    }
}

pub const LOG_DEBUG: i32 = 0;
pub const LOG_INFO: i32 = 1;
pub const LOG_WARNING: i32 = 2;
pub const LOG_ERROR: i32 = 3;

/// Logs UTF-8 text at a level (0 debug .. 3 error).
pub fn log(level: i32, msg: &str) {
    unsafe { host::ea_log(level, msg.as_ptr(), msg.len() as i32) }
}

/// Milliseconds since the Unix epoch.
pub fn wall_ms() -> i64 {
    unsafe { host::ea_clock_wall_ms() }
}

// ---- ret_codes -------------------------------------------------------------------------------
// The host reserves 2..15 for its own failures (trap, out of fuel, deadline, ...); a service
// fails with 1 or a code from 16. The SDK uses 16 and 17; a service's own codes start at 32.

pub const ERR_FAILED: i32 = 1;
pub const ERR_ARGS: i32 = 16;
pub const ERR_NOMEM: i32 = 17;
pub const ERR_SERVICE: i32 = 32;

// ---- The per-call arena ----------------------------------------------------------------------

extern "C" {
    static __heap_base: u8;
}

// Single-threaded: wasm3 runs one call at a time per module instance.
static mut TOP: usize = 0;
static mut CALL_DONE: bool = true;

fn base() -> usize {
    (unsafe { &__heap_base as *const u8 as usize } + 7) & !7
}

fn reset() {
    unsafe { TOP = base() }
}

/// Makes addresses below `end` usable, growing memory; false past the declared maximum.
fn ensure(end: usize) -> bool {
    let have = wasm32::memory_size(0) * 65536;
    if end <= have {
        return true;
    }
    let pages = (end - have + 65535) / 65536;
    wasm32::memory_grow(0, pages) != usize::MAX
}

/// `n` bytes, 8-aligned, valid until the next call; None when memory is exhausted.
pub fn alloc(n: usize) -> Option<*mut u8> {
    unsafe {
        if TOP == 0 {
            reset();
        }
        let start = TOP.checked_add(7)? & !7;
        let end = start.checked_add(n)?;
        if !ensure(end) {
            return None;
        }
        TOP = end;
        Some(start as *mut u8)
    }
}

/// A zeroed slice of `n` items in the arena, valid until the next call.
pub fn alloc_slice<'a, T: Copy + Default>(n: usize) -> Option<&'a mut [T]> {
    let bytes = n.checked_mul(core::mem::size_of::<T>())?;
    let p = alloc(bytes + core::mem::align_of::<T>())?;
    let p = ((p as usize + core::mem::align_of::<T>() - 1) & !(core::mem::align_of::<T>() - 1)) as *mut T;
    let s = unsafe { core::slice::from_raw_parts_mut(p, n) };
    for x in s.iter_mut() {
        *x = T::default();
    }
    Some(s)
}

/// The host asks for room for a call's arguments; the first request of a call releases
/// everything the previous call allocated.
#[no_mangle]
pub extern "C" fn ea_alloc(len: i32) -> i32 {
    unsafe {
        if CALL_DONE {
            reset();
            CALL_DONE = false;
        }
    }
    if len < 0 {
        return 0;
    }
    alloc(len as usize).map_or(0, |p| p as i32)
}

// ---- CBOR writer -----------------------------------------------------------------------------

/// A growable byte buffer in the arena that writes CBOR items (or raw bytes).
pub struct Writer {
    ptr: *mut u8,
    len: usize,
    cap: usize,
    oom: bool,
}

impl Writer {
    pub const fn new() -> Self {
        Writer { ptr: core::ptr::null_mut(), len: 0, cap: 0, oom: false }
    }

    /// A writer with room for `n` bytes already reserved (oom if that fails).
    pub fn with_capacity(n: usize) -> Self {
        let mut w = Writer::new();
        w.reserve(n);
        w
    }

    pub fn as_bytes(&self) -> &[u8] {
        if self.ptr.is_null() {
            return &[];
        }
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// True once memory ran out; the content is then incomplete.
    pub fn oom(&self) -> bool {
        self.oom
    }

    fn reserve(&mut self, extra: usize) -> bool {
        if self.oom {
            return false;
        }
        let need = match self.len.checked_add(extra) {
            Some(n) if n <= 0x7FFF_FFFF => n,
            _ => {
                self.oom = true;
                return false;
            }
        };
        if need <= self.cap {
            return true;
        }
        let mut ncap = if self.cap == 0 { 64 } else { self.cap };
        while ncap < need {
            ncap *= 2;
        }
        unsafe {
            // The newest allocation grows in place; anything else moves.
            if !self.ptr.is_null() && self.ptr as usize + self.cap == TOP {
                if ensure(TOP + (ncap - self.cap)) {
                    TOP += ncap - self.cap;
                    self.cap = ncap;
                    return true;
                }
                self.oom = true;
                return false;
            }
            match alloc(ncap) {
                Some(p) => {
                    if self.len > 0 {
                        core::ptr::copy_nonoverlapping(self.ptr, p, self.len);
                    }
                    self.ptr = p;
                    self.cap = ncap;
                    true
                }
                None => {
                    self.oom = true;
                    false
                }
            }
        }
    }

    /// Makes room for `extra` more bytes now (later writes then never move the buffer).
    pub fn reserve_more(&mut self, extra: usize) -> bool {
        self.len + extra <= self.cap || self.reserve(extra)
    }

    /// Appends raw bytes (no CBOR head).
    #[inline]
    pub fn raw(&mut self, b: &[u8]) {
        if self.len + b.len() <= self.cap || self.reserve(b.len()) {
            unsafe {
                let dst = self.ptr.add(self.len);
                if b.len() <= 8 {
                    // A short write costs less as a loop than as a call to memcpy.
                    for (i, &x) in b.iter().enumerate() {
                        *dst.add(i) = x;
                    }
                } else {
                    core::ptr::copy_nonoverlapping(b.as_ptr(), dst, b.len());
                }
            }
            self.len += b.len();
        }
    }

    /// Appends one raw byte.
    #[inline]
    pub fn byte(&mut self, b: u8) {
        if self.len < self.cap || self.reserve(1) {
            unsafe { *self.ptr.add(self.len) = b };
            self.len += 1;
        }
    }

    /// Appends the decimal form of `v` (raw text).
    pub fn raw_int(&mut self, v: i64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        let mut u = v.unsigned_abs();
        loop {
            i -= 1;
            tmp[i] = b'0' + (u % 10) as u8;
            u /= 10;
            if u == 0 {
                break;
            }
        }
        if v < 0 {
            self.raw(b"-");
        }
        self.raw(&tmp[i..]);
    }

    /// Appends one char as UTF-8 (raw).
    #[inline]
    pub fn raw_char(&mut self, c: char) {
        if c.is_ascii() {
            self.byte(c as u8);
        } else {
            let mut b = [0u8; 4];
            self.raw(c.encode_utf8(&mut b).as_bytes());
        }
    }

    pub fn head(&mut self, major: u8, arg: u64) {
        let m = major << 5;
        let b = arg.to_be_bytes();
        if arg < 24 {
            self.raw(&[m | arg as u8]);
        } else if arg <= 0xFF {
            self.raw(&[m | 24, arg as u8]);
        } else if arg <= 0xFFFF {
            self.raw(&[m | 25, b[6], b[7]]);
        } else if arg <= 0xFFFF_FFFF {
            self.raw(&[m | 26, b[4], b[5], b[6], b[7]]);
        } else {
            self.raw(&[m | 27]);
            self.raw(&b);
        }
    }

    pub fn uint(&mut self, v: u64) {
        self.head(0, v)
    }
    pub fn int(&mut self, v: i64) {
        if v >= 0 {
            self.head(0, v as u64)
        } else {
            self.head(1, !(v as u64))
        }
    }
    /// Always double precision: exact, and one code path.
    pub fn float(&mut self, v: f64) {
        self.raw(&[0xFB]);
        self.raw(&v.to_bits().to_be_bytes());
    }
    pub fn text(&mut self, s: &str) {
        self.head(3, s.len() as u64);
        self.raw(s.as_bytes());
    }
    /// One text item made of several pieces.
    pub fn text_parts(&mut self, parts: &[&str]) {
        self.head(3, parts.iter().map(|p| p.len() as u64).sum());
        for p in parts {
            self.raw(p.as_bytes());
        }
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.head(2, b.len() as u64);
        self.raw(b);
    }
    pub fn array(&mut self, n: usize) {
        self.head(4, n as u64)
    }
    pub fn map(&mut self, n: usize) {
        self.head(5, n as u64)
    }
    pub fn bool(&mut self, b: bool) {
        self.raw(&[if b { 0xF5 } else { 0xF4 }])
    }
    pub fn null(&mut self) {
        self.raw(&[0xF6])
    }
    /// An array (major 4) or map (5) whose count is known only at the end: a 4-byte count
    /// head now (valid, if not the shortest, CBOR), patched by `end_container`.
    pub fn begin_container(&mut self, major: u8) -> usize {
        let at = self.len;
        self.raw(&[(major << 5) | 26, 0, 0, 0, 0]);
        at
    }
    pub fn end_container(&mut self, at: usize, count: u32) {
        if !self.oom {
            let b = count.to_be_bytes();
            unsafe { core::ptr::copy_nonoverlapping(b.as_ptr(), self.ptr.add(at + 1), 4) };
        }
    }
}

// ---- CBOR reader -----------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Invalid, // malformed, unsupported (indefinite length) or the end of input
    Int,
    Bytes,
    Text,
    Array,
    Map,
    Float,
    Bool,
    Null,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Invalid => "nothing valid",
            Kind::Int => "integer",
            Kind::Bytes => "bytes",
            Kind::Text => "text",
            Kind::Array => "array",
            Kind::Map => "map",
            Kind::Float => "float",
            Kind::Bool => "bool",
            Kind::Null => "null",
        }
    }
}

#[derive(Clone, Copy)]
struct Head {
    major: u8,
    info: u8,
    arg: u64,
    size: usize,
}

/// Reads CBOR items from a borrowed buffer. Every length and count is checked against the
/// bytes that remain before use; skipping is iterative; indefinite lengths are refused.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn at_end(&self) -> bool {
        self.pos == self.buf.len()
    }

    fn head_at(&self, pos: usize) -> Option<Head> {
        let b = &self.buf[pos.min(self.buf.len())..];
        let first = *b.first()?;
        let (major, info) = (first >> 5, first & 31);
        let extra = match info {
            0..=23 => 0,
            24..=27 => 1usize << (info - 24),
            _ => return None, // 28..30 reserved, 31 indefinite length: refused
        };
        if b.len() < 1 + extra {
            return None;
        }
        let mut arg = if extra == 0 { info as u64 } else { 0 };
        for &x in &b[1..1 + extra] {
            arg = (arg << 8) | x as u64;
        }
        Some(Head { major, info, arg, size: 1 + extra })
    }

    /// The position of the next value after any tags (major 6).
    fn untag(&self) -> usize {
        let mut p = self.pos;
        while let Some(h) = self.head_at(p) {
            if h.major != 6 {
                break;
            }
            p += h.size;
        }
        p
    }

    fn next_head(&self) -> Option<(usize, Head)> {
        let p = self.untag();
        self.head_at(p).map(|h| (p, h))
    }

    pub fn peek(&self) -> Kind {
        match self.next_head() {
            None => Kind::Invalid,
            Some((_, h)) => match (h.major, h.info) {
                (0, _) | (1, _) => Kind::Int,
                (2, _) => Kind::Bytes,
                (3, _) => Kind::Text,
                (4, _) => Kind::Array,
                (5, _) => Kind::Map,
                (7, 20) | (7, 21) => Kind::Bool,
                (7, 22) | (7, 23) => Kind::Null,
                (7, 25..=27) => Kind::Float,
                _ => Kind::Invalid,
            },
        }
    }

    pub fn int(&mut self) -> Option<i64> {
        let (p, h) = self.next_head()?;
        let v = match h.major {
            0 if h.arg <= i64::MAX as u64 => h.arg as i64,
            1 if h.arg <= i64::MAX as u64 => -1 - h.arg as i64,
            _ => return None,
        };
        self.pos = p + h.size;
        Some(v)
    }

    /// A float or an integer, as f64.
    pub fn float(&mut self) -> Option<f64> {
        if let Some(i) = self.int() {
            return Some(i as f64);
        }
        let (p, h) = self.next_head()?;
        let v = match (h.major, h.info) {
            (7, 25) => half(h.arg as u16),
            (7, 26) => f32::from_bits(h.arg as u32) as f64,
            (7, 27) => f64::from_bits(h.arg),
            _ => return None,
        };
        self.pos = p + h.size;
        Some(v)
    }

    fn string(&mut self, major: u8) -> Option<&'a [u8]> {
        let (p, h) = self.next_head()?;
        if h.major != major {
            return None;
        }
        let start = p + h.size;
        if h.arg > (self.buf.len() - start) as u64 {
            return None;
        }
        let end = start + h.arg as usize;
        self.pos = end;
        Some(&self.buf[start..end])
    }

    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        self.string(2)
    }

    /// Text, checked to be UTF-8.
    pub fn text(&mut self) -> Option<&'a str> {
        let save = self.pos;
        let s = self.string(3)?;
        match core::str::from_utf8(s) {
            Ok(t) => Some(t),
            Err(_) => {
                self.pos = save;
                None
            }
        }
    }

    /// Counts are checked against the remaining input (every item takes a byte at least).
    fn count(&mut self, major: u8) -> Option<usize> {
        let (p, h) = self.next_head()?;
        if h.major != major {
            return None;
        }
        let per = if major == 5 { 2 } else { 1 };
        if h.arg > ((self.buf.len() - p - h.size) / per) as u64 {
            return None;
        }
        self.pos = p + h.size;
        Some(h.arg as usize)
    }

    pub fn array(&mut self) -> Option<usize> {
        self.count(4)
    }

    pub fn map(&mut self) -> Option<usize> {
        self.count(5)
    }

    pub fn bool(&mut self) -> Option<bool> {
        let (p, h) = self.next_head()?;
        match (h.major, h.info) {
            (7, 20) | (7, 21) => {
                self.pos = p + h.size;
                Some(h.info == 21)
            }
            _ => None,
        }
    }

    /// Consumes null or undefined; false (consuming nothing) for anything else.
    pub fn null(&mut self) -> bool {
        match self.next_head() {
            Some((p, h)) if h.major == 7 && (h.info == 22 || h.info == 23) => {
                self.pos = p + h.size;
                true
            }
            _ => false,
        }
    }

    /// Skips one complete value of any depth, iteratively; false if malformed.
    pub fn skip(&mut self) -> bool {
        let mut todo: u64 = 1;
        let mut p = self.pos;
        while todo > 0 {
            let h = match self.head_at(p) {
                Some(h) => h,
                None => return false,
            };
            p += h.size;
            todo -= 1;
            let left = (self.buf.len() - p) as u64;
            match h.major {
                2 | 3 => {
                    if h.arg > left {
                        return false;
                    }
                    p += h.arg as usize;
                }
                4 | 5 => {
                    if h.arg > left || (h.major == 5 && h.arg * 2 > left) {
                        return false;
                    }
                    todo += if h.major == 5 { h.arg * 2 } else { h.arg };
                }
                6 => todo += 1,
                _ => {}
            }
            if todo > (self.buf.len() - p) as u64 {
                return false; // each pending item needs a byte
            }
        }
        self.pos = p;
        true
    }
}

/// An IEEE 754 half-precision float (RFC 8949 appendix D).
fn half(h: u16) -> f64 {
    let e = ((h >> 10) & 0x1F) as i32;
    let m = (h & 0x3FF) as f64;
    let v = match e {
        0 => m * pow2(-24),
        31 => {
            if m == 0.0 {
                f64::INFINITY
            } else {
                f64::NAN
            }
        }
        _ => (m + 1024.0) * pow2(e - 25),
    };
    if h & 0x8000 != 0 {
        -v
    } else {
        v
    }
}

fn pow2(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

// ---- Calls -----------------------------------------------------------------------------------

/// A failed call: a ret_code (never 0) and a message built in the arena.
pub struct Error {
    pub code: i32,
    pub msg: Writer,
}

impl Error {
    pub fn new(code: i32, msg: &str) -> Self {
        let mut e = Error { code: if code == 0 { ERR_FAILED } else { code }, msg: Writer::new() };
        e.msg.raw(msg.as_bytes());
        e
    }
    /// Appends text to the message.
    pub fn and(mut self, more: &str) -> Self {
        self.msg.raw(more.as_bytes());
        self
    }
    /// Appends a number to the message.
    pub fn and_int(mut self, v: i64) -> Self {
        self.msg.raw_int(v);
        self
    }
}

pub type Result<T = ()> = core::result::Result<T, Error>;

/// One call: its arguments, consumed in order, and the writer for its one result value.
pub struct Call<'a> {
    pub args: Reader<'a>,
    pub argc: usize,
    argi: usize,
    pub out: Writer,
}

impl<'a> Call<'a> {
    fn mismatch(&self, want: &str) -> Error {
        if self.argi >= self.argc {
            Error::new(ERR_ARGS, "missing argument ").and_int(self.argi as i64 + 1).and(" (").and(want).and(")")
        } else if self.args.peek() == Kind::Text && want == "text" {
            Error::new(ERR_ARGS, "argument ").and_int(self.argi as i64 + 1).and(": text is not valid UTF-8")
        } else {
            Error::new(ERR_ARGS, "argument ")
                .and_int(self.argi as i64 + 1)
                .and(": expected ")
                .and(want)
                .and(", got ")
                .and(self.args.peek().name())
        }
    }

    fn arg<T>(&mut self, want: &str, read: impl FnOnce(&mut Reader<'a>) -> Option<T>) -> Result<T> {
        if self.argi < self.argc {
            if let Some(v) = read(&mut self.args) {
                self.argi += 1;
                return Ok(v);
            }
        }
        Err(self.mismatch(want))
    }

    /// True while arguments remain.
    pub fn has_arg(&self) -> bool {
        self.argi < self.argc
    }
    pub fn text(&mut self) -> Result<&'a str> {
        self.arg("text", |r| r.text())
    }
    pub fn int(&mut self) -> Result<i64> {
        self.arg("an integer", |r| r.int())
    }
    pub fn float(&mut self) -> Result<f64> {
        self.arg("a number", |r| r.float())
    }
    pub fn bool(&mut self) -> Result<bool> {
        self.arg("a bool", |r| r.bool())
    }
    /// An array argument: read its elements from `call.args` next.
    pub fn array(&mut self) -> Result<usize> {
        self.arg("an array", |r| r.array())
    }
    /// Consumes a null argument; false (consuming nothing) if the next one is not null.
    pub fn null(&mut self) -> bool {
        if self.has_arg() && self.args.null() {
            self.argi += 1;
            return true;
        }
        false
    }
    /// The next argument if present and not null.
    pub fn opt_int(&mut self) -> Result<Option<i64>> {
        if !self.has_arg() || self.null() {
            return Ok(None);
        }
        self.int().map(Some)
    }
    pub fn opt_text(&mut self) -> Result<Option<&'a str>> {
        if !self.has_arg() || self.null() {
            return Ok(None);
        }
        self.text().map(Some)
    }
    /// Fails unless every argument was consumed.
    pub fn done(&self) -> Result {
        if self.argi == self.argc {
            return Ok(());
        }
        Err(Error::new(ERR_ARGS, "too many arguments: expected ")
            .and_int(self.argi as i64)
            .and(", got ")
            .and_int(self.argc as i64))
    }
}

/// Preencoded {"err": "out of memory", "code": 17}, for when even an error reply won't fit.
static OOM_REPLY: [u8; 25] = *b"\xA2\x63err\x6Dout of memory\x64code\x11";

fn pack(p: *const u8, n: usize) -> i64 {
    (((p as usize as u64) << 32) | n as u64) as i64
}

/// Runs one CBOR function: decodes the argument array at ptr..ptr+len, calls `f`, encodes
/// the reply and returns it packed as (ptr << 32) | len.
pub fn dispatch(ptr: i32, len: i32, f: fn(&mut Call) -> Result) -> i64 {
    unsafe {
        if CALL_DONE {
            reset(); // the host passed no buffer from ea_alloc
        }
        CALL_DONE = true; // the next ea_alloc starts afresh
    }
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    let outcome = if (ptr as u64 + len as u64) > (wasm32::memory_size(0) as u64) * 65536 || len > i32::MAX as usize {
        Err(Error::new(ERR_ARGS, "argument buffer outside memory"))
    } else {
        let buf = unsafe { core::slice::from_raw_parts(ptr as *const u8, len) };
        let mut args = Reader::new(buf);
        match args.array() {
            None => Err(Error::new(ERR_ARGS, "arguments must be one CBOR array")),
            Some(argc) => {
                let mut call = Call { args, argc, argi: 0, out: Writer::new() };
                call.out.map(1);
                call.out.text("ok");
                let start = call.out.len();
                match f(&mut call) {
                    Ok(()) if call.out.oom() => Err(Error::new(ERR_NOMEM, "out of memory")),
                    Ok(()) => {
                        if call.out.len() == start {
                            call.out.null();
                        }
                        Ok(call.out)
                    }
                    Err(e) => Err(e),
                }
            }
        }
    };
    match outcome {
        Ok(out) => pack(out.as_bytes().as_ptr(), out.len()),
        Err(e) => {
            if e.msg.oom() {
                return pack(OOM_REPLY.as_ptr(), OOM_REPLY.len());
            }
            let mut w = Writer::new();
            w.map(2);
            w.text("err");
            w.head(3, e.msg.len() as u64);
            w.raw(e.msg.as_bytes());
            w.text("code");
            w.int(e.code as i64);
            if w.oom() {
                return pack(OOM_REPLY.as_ptr(), OOM_REPLY.len());
            }
            pack(w.as_bytes().as_ptr(), w.len())
        }
    }
}

/// Defines CBOR functions: `export! { fn name(call) { ...; Ok(()) } ... }`. Each body sees
/// `call: &mut Call` and returns `Result`. Needs this module mounted as `crate::edge_agent`.
macro_rules! export {
    ($($(#[$doc:meta])* fn $name:ident($call:ident) $body:block)*) => {
        $(
            $(#[$doc])*
            #[no_mangle]
            pub extern "C" fn $name(ptr: i32, len: i32) -> i64 {
                fn body($call: &mut $crate::edge_agent::Call) -> $crate::edge_agent::Result $body
                $crate::edge_agent::dispatch(ptr, len, body)
            }
        )*
    };
}

// ---- Who calls ---------------------------------------------------------------------------------
// At the end of the file on purpose: modules record the line numbers of the SDK's code in their
// panic locations, so code added above would change every Rust module's bytes.

// The host import behind `caller()` (module `env`, like those in `host`).
#[link(wasm_import_module = "env")]
extern "C" {
    /// Copies the caller's peer id to `ptr` if it fits in `cap` bytes; returns its length.
    pub fn ea_caller(ptr: *mut u8, cap: i32) -> i32;
}

/// Room for the caller's peer id, in bytes: more than any peer id (Ed25519 ids have 52).
pub const CALLER_MAX: usize = 128;

/// The peer id of whoever made this call (the particle's init peer, proven by its signature),
/// in the arena until the next call; "" when the host names no caller. None only if the arena
/// is full. The host admitted the caller under the service's access rule already; a service
/// uses the id to decide more finely, or to record who did what.
pub fn caller<'a>() -> Option<&'a str> {
    let buf = alloc(CALLER_MAX)?;
    let n = unsafe { ea_caller(buf, CALLER_MAX as i32) };
    if n < 0 || n as usize > CALLER_MAX {
        return None;
    }
    let bytes = unsafe { core::slice::from_raw_parts(buf, n as usize) };
    core::str::from_utf8(bytes).ok()
}
