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
  block $v1 (result i32)
  global.get $g
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  i32.const 200
  local.get $a
  i32.xor
  local.get $b
  local.get $x
  call $f3
  i32.xor
  i32.store
  i32.const 3
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  call $rec
  local.set $a
  block (result i32 i32)
  local.get $a
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.eqz)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 1
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  nop
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l1
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  nop
  nop
  i32.const 3
  global.get $g
  i32.const 211
  i32.const 4
  call_indirect (type $t)
  i32.const 3
  i32.and
  call $rec)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  if (result i32)
  local.get $x
  else
  local.get $a
  end
  i32.const 511
  i32.and
  local.get $x
  i32.const 260
  i32.shr_u
  i32.const 511
  i32.and
  i32.const 175
  memory.copy
  block $b1
  local.get $x
  local.get $x
  i32.shl
  block $v2 (result i32)
  local.get $x
  local.get $b
  br_if $v2
  i32.const 7
  i32.add
  end
  local.get $a
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  select
  global.set $g
  local.get $x
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  br_if $b1
  end
  block $v3 (result i32)
  local.get $x
  local.get $a
  br_if $v3
  i32.const 7
  i32.add
  end
  local.get $x
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.eqz
  local.set $a
  i32.const 190
  i32.eqz
  i32.const 164
  local.get $x
  i32.add
  i32.shr_u)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $a
  end
  i32.const 1020
  i32.and
  block $v1 (result i32)
  i32.const 81
  i32.const 71
  br_if $v1
  i32.const 7
  i32.add
  end
  global.get $g
  local.get $b
  i32.or
  i32.add
  i32.store
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  global.get $g
  local.get $b
  i32.const 4
  call_indirect (type $t)
  i32.shr_u)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $b
  local.get $b
  local.get $b
  select
  local.get $x
  local.get $b
  i32.rotl
  i32.xor
  local.set $x
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  local.get $x
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 291
  memory.copy
  block (result i32 i32)
  global.get $g
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1023
  i32.and
  i32.const 102
  local.get $x
  global.get $g
  select
  i32.const 164
  memory.fill
  nop
  i32.const 3
  local.get $b
  local.get $x
  global.get $g
  select
  i32.const 3
  i32.and
  call $rec))
