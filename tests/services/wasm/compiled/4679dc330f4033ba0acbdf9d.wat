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
  i32.const 3
  i32.const 162
  i32.const 3
  i32.and
  call $rec
  i32.const 1020
  i32.and
  global.get $g
  local.get $a
  i32.mul
  i32.const 237
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.xor
  i32.store
  local.get $x
  local.get $x
  i32.shr_u
  if $i1
  br $i1
  nop
  i32.const 100
  local.get $a
  i32.xor
  i32.const 1023
  i32.and
  local.get $b
  local.get $x
  i32.and
  i32.const 176
  memory.fill
  else
  block $v2 (result i32)
  local.get $b
  local.get $b
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.eqz
  local.set $x
  end
  block (result i32 i32)
  i32.const 135
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $a
  i32.const 59
  i32.shl
  i32.or)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 21
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  local.get $b
  local.get $a
  local.get $a
  select
  global.get $g
  i32.const 229
  i32.const 4
  call_indirect (type $t)
  i32.add
  i32.store
  i32.const 1
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  local.get $a
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.add
  local.set $x
  i32.const 7
  local.get $x
  i32.mul
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l1
  global.get $g
  i32.eqz
  i32.const 511
  i32.and
  local.get $b
  local.get $b
  i32.sub
  i32.const 511
  i32.and
  i32.const 154
  memory.copy
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  block $b2
  block $b3
  i32.const 1
  memory.grow
  global.set $g
  end
  global.get $g
  local.get $x
  i32.xor
  local.get $b
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.and
  local.set $x
  global.get $g
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1023
  i32.and
  global.get $g
  local.get $a
  i32.rotl
  i32.const 17
  memory.fill
  br $b2
  end
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.eqz)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $x
  i32.const 174
  i32.const 3
  call_indirect (type $t)
  if $i1
  block $v2 (result i32)
  i32.const 35
  local.get $x
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.const 1023
  i32.and
  local.get $b
  if (result i32)
  i32.const 187
  else
  global.get $g
  end
  i32.const 65
  memory.fill
  global.get $g
  local.get $b
  i32.xor
  local.get $x
  i32.eqz
  i32.const 4
  call_indirect (type $t)
  local.set $a
  else
  local.get $a
  global.get $g
  i32.xor
  return
  block
  nop
  end
  end
  block $b3
  global.get $g
  i32.const 193
  call $f4
  br_if $b3
  end
  i32.const 3
  block $v4 (result i32)
  i32.const 143
  i32.const 146
  br_if $v4
  i32.const 7
  i32.add
  end
  i32.const 3
  i32.and
  call $rec)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  block $v1 (result i32)
  global.get $g
  global.get $g
  br_if $v1
  i32.const 7
  i32.add
  end
  local.get $x
  local.get $b
  i32.rotl
  i32.const 1
  i32.or
  i32.div_u)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  memory.size
  local.set $x
  i32.const 104
  local.get $x
  local.get $b
  select
  local.get $x
  i32.const 7
  i32.sub
  i32.const 1
  i32.or
  i32.div_u))
