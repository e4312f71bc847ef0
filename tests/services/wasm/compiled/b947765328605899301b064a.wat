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
  nop
  local.get $b
  i32.const 197
  i32.add
  i32.const 1023
  i32.and
  block (result i32 i32)
  local.get $x
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 75
  memory.fill
  global.get $g
  global.get $g
  i32.sub
  i32.const 3
  i32.const 195
  i32.const 3
  i32.and
  call $rec
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
  global.get $g
  i32.eqz
  i32.eqz)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  block $v1 (result i32)
  block $v2 (result i32)
  local.get $b
  i32.const 241
  br_if $v2
  i32.const 7
  i32.add
  end
  local.get $x
  global.get $g
  i32.const 4
  call_indirect (type $t)
  br_if $v1
  i32.const 7
  i32.add
  end
  global.set $g
  nop
  local.get $x
  local.get $b
  i32.sub
  i32.const 511
  i32.and
  i32.const 236
  global.get $g
  local.get $a
  select
  i32.const 511
  i32.and
  i32.const 214
  memory.copy
  i32.const 290
  i32.const 1020
  i32.and
  i32.load
  block (result i32 i32)
  local.get $b
  i32.const 279
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.xor)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 0
  memory.grow
  global.set $g
  nop
  i32.const 3
  block $v1 (result i32)
  local.get $b
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 3
  i32.and
  call $rec)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  nop
  global.get $g
  local.get $b
  i32.rotl
  if $i1
  block $b2
  i32.const 2
  local.set $c1
  block $w4
  loop $l3
  local.get $c1
  i32.const 0
  i32.le_s
  br_if $w4
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $a
  local.get $a
  i32.sub
  block (result i32 i32)
  local.get $a
  i32.const 230
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.shr_u
  local.set $a
  local.get $b
  i32.const 146
  i32.sub
  br_if $b2
  br $l3
  end
  end
  local.get $a
  local.get $a
  i32.mul
  if (result i32)
  local.get $b
  local.get $b
  i32.or
  else
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  end
  local.set $a
  end
  local.get $x
  local.get $b
  call $f4
  if $i5
  br $i5
  i32.const 3
  global.get $g
  if (result i32)
  local.get $a
  else
  i32.const 193
  end
  i32.const 3
  i32.and
  call $rec
  global.set $g
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.eqz
  global.set $g
  end
  end
  block (result i32 i32)
  i32.const 138
  global.get $g
  i32.const 4
  call_indirect (type $t)
  local.get $b
  local.get $b
  i32.const 4
  call_indirect (type $t)
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.set $a
  nop
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  local.get $b
  local.get $a
  call $f4
  i32.or)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local i64)
  nop
  i32.const 2
  local.set $c1
  block $w2
  loop $l1
  local.get $c1
  i32.const 0
  i32.le_s
  br_if $w2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $b
  i32.eqz
  i32.const 1020
  i32.and
  i32.load
  local.set $a
  br $l1
  end
  end
  i32.const 2
  local.set $c2
  loop $l3
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  nop
  local.get $a
  i32.const 247
  i32.const 1
  i32.or
  i32.div_u
  return
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  i32.const 3
  global.get $g
  global.get $g
  i32.add
  i32.const 3
  i32.and
  call $rec))
