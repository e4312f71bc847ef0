(module
  (type $t (func (param i32 i32) (result i32)))
  (memory 1 2)
  (global $g (mut i32) (i32.const 1))
  (table 5 funcref)
  (elem (i32.const 0) $f0 $f1 $f2 $f3 $f4)
  (func $rec (export "rec") (param $d i32) (param $v i32) (result i32)
    local.get $d
    i32.eqz
    if (result i32)
      local.get $v
    else
      local.get $d i32.const 1 i32.sub local.get $v i32.const 3 i32.mul i32.const 1 i32.add call $rec
      local.get $d i32.const 1 i32.sub local.get $v call $rec
      i32.add
    end)
(func $f0 (export "f0") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 3
  global.get $g
  local.get $a
  i32.shl
  i32.const 3
  i32.and
  call $rec
  local.set $a
  nop
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  i32.const 172
  i32.eqz
  i32.const 74
  local.get $a
  i32.or
  i32.and
  i32.store
  local.get $x
  global.get $g
  i32.or
  global.get $g
  local.get $b
  i32.mul
  i32.const 4
  call_indirect (type $t)
  global.set $g
  block $v1 (result i32)
  global.get $g
  local.get $b
  i32.const 52
  select
  block (result i32 i32)
  global.get $g
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  br_if $v1
  i32.const 7
  i32.add
  end)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local i64)
  nop
  i32.const 267
  local.get $a
  i32.or
  if $i1
  local.get $a
  global.get $g
  i32.const 3
  call_indirect (type $t)
  i32.const 1023
  i32.and
  local.get $x
  global.get $g
  local.get $b
  select
  i32.const 59
  memory.fill
  i32.const 2
  local.set $c1
  block $w3
  loop $l2
  local.get $c1
  i32.const 0
  i32.le_s
  br_if $w3
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  local.get $x
  local.get $x
  i32.shr_u
  local.get $a
  global.get $g
  i32.or
  global.get $g
  global.get $g
  i32.or
  select
  i32.store
  block $v4 (result i32)
  i32.const 128
  local.get $a
  br_if $v4
  i32.const 7
  i32.add
  end
  br_if $i1
  i32.const 2
  local.set $c2
  block $w6
  loop $l5
  local.get $c2
  i32.const 0
  i32.le_s
  br_if $w6
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  i32.const 3
  block (result i32 i32)
  global.get $g
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  call $rec
  global.set $g
  block $b7
  global.get $g
  local.get $a
  i32.shr_u
  global.set $g
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  block $v8 (result i32)
  i32.const 226
  i32.const 286
  br_if $v8
  i32.const 7
  i32.add
  end
  global.set $g
  global.get $g
  global.get $g
  i32.mul
  local.set $x
  end
  local.get $x
  i32.const 79
  global.get $g
  select
  i32.const 205
  global.get $g
  i32.and
  local.get $b
  i32.const 72
  i32.const 4
  call_indirect (type $t)
  select
  global.set $g
  br $l5
  end
  end
  br $l2
  end
  end
  else
  global.get $g
  i32.const 250
  i32.and
  br_if $i1
  end
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1
  i32.or
  i32.div_u)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 0
  memory.grow
  global.set $g
  block $v1 (result i32)
  i32.const 45
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.add
  local.set $x
  i32.const 1
  memory.grow
  global.set $g
  block (result i32 i32)
  local.get $x
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1020
  i32.and
  local.get $b
  local.get $a
  call $f4
  local.get $b
  local.get $b
  i32.const 4
  call_indirect (type $t)
  i32.sub
  i32.store
  nop
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $x
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.mul)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 1
  memory.grow
  global.set $g
  nop
  nop
  block $v1 (result i32)
  local.get $b
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  local.get $a
  if (result i32)
  i32.const 102
  else
  local.get $b
  end
  i32.and
  global.set $g
  local.get $b
  i32.const 134
  i32.or
  global.get $g
  local.get $x
  call $f4
  i32.shr_u)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  memory.size
  local.set $x
  memory.size
  i32.const 1023
  i32.and
  local.get $a
  i32.const 85
  i32.sub
  i32.const 91
  memory.fill
  nop
  block $v1 (result i32)
  local.get $x
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  global.get $g
  local.get $b
  i32.rotl
  i32.xor
  global.set $g
  memory.size
  memory.size
  i32.mul))
