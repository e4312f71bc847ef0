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
  local.get $a
  local.get $b
  i32.or
  local.get $x
  local.get $x
  i32.and
  call $f1
  local.set $a
  nop
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  return
  unreachable
  block $v1 (result i32)
  global.get $g
  i32.const 113
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.eqz)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  global.get $g
  if (result i32)
  local.get $x
  else
  i32.const 219
  end
  i32.const 511
  i32.and
  global.get $g
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 9
  memory.copy
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  if $i1
  i32.const 3
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $a
  global.get $g
  i32.rotl
  i32.const 3
  i32.and
  br_table $i1 $i1 $i1
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  local.get $a
  local.get $x
  call $f4
  br_if $i1
  else
  global.get $g
  if (result i32)
  local.get $x
  else
  local.get $b
  end
  i32.const 1023
  i32.and
  global.get $g
  local.get $a
  i32.and
  i32.const 189
  memory.fill
  global.get $g
  local.get $x
  i32.mul
  i32.eqz
  local.set $a
  nop
  end
  i32.const 3
  i32.const 36
  i32.const 3
  i32.and
  call $rec
  if (result i32)
  i32.const 113
  if (result i32)
  local.get $x
  else
  i32.const 38
  end
  else
  local.get $x
  global.get $g
  i32.or
  end
  local.set $x
  nop
  i32.const 1
  memory.grow
  global.set $g
  local.get $a
  i32.const 173
  i32.const 3
  call_indirect (type $t)
  local.get $a
  local.get $x
  global.get $g
  select
  call $f2)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  nop
  nop
  local.get $b
  local.get $a
  i32.mul
  block (result i32 i32)
  local.get $a
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1
  i32.or
  i32.div_u)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $b1
  global.get $g
  i32.const 275
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  if (result i32)
  local.get $b
  local.get $b
  i32.const 4
  call_indirect (type $t)
  else
  block (result i32 i32)
  i32.const 95
  i32.const 273
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  end
  i32.store
  br $b1
  local.get $b
  global.get $g
  call $f4
  i32.const 1020
  i32.and
  i32.const 3
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 3
  i32.and
  call $rec
  i32.store
  end
  local.get $x
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.eqz
  local.set $x
  i32.const 0
  memory.grow
  global.set $g
  local.get $b
  global.get $g
  i32.rotl
  i32.const 1020
  i32.and
  local.get $b
  local.get $x
  i32.shl
  local.get $b
  i32.const 185
  i32.mul
  i32.rotl
  i32.store
  global.get $g
  if (result i32)
  i32.const 234
  else
  global.get $g
  end
  local.get $x
  local.get $b
  i32.add
  i32.shr_u)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block (result i32 i32)
  local.get $a
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1023
  i32.and
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 7
  memory.fill
  nop
  i32.const 1
  memory.grow
  global.set $g
  nop
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $x
  end
  local.get $x
  if (result i32)
  global.get $g
  else
  local.get $a
  end
  local.get $b
  i32.const 277
  i32.shl
  select))
