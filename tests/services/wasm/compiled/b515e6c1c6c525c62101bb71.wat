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
  i32.const 148
  i32.const 3
  i32.and
  call $rec
  if $i1
  block $v2 (result i32)
  local.get $a
  i32.const 161
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.const 3
  i32.and
  br_table $i1 $i1 $i1
  i32.const -5
  i32.const 59
  i32.const 1
  i32.or
  i32.div_u
  local.get $b
  local.get $b
  i32.shr_u
  call $f4
  local.set $x
  else
  block $v3 (result i32)
  global.get $g
  global.get $g
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  local.get $x
  local.get $b
  i32.shr_u
  local.get $b
  i32.eqz
  i32.rotl
  i32.store
  end
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  local.get $a
  i32.eqz
  i32.const 1
  call_indirect (type $t)
  local.set $x
  block (result i32 i32)
  global.get $g
  global.get $g
  local.get $b
  select
  local.get $a
  if (result i32)
  local.get $b
  else
  local.get $a
  end
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  block $b1
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 253
  local.get $x
  i32.shr_u
  i32.shr_u
  local.set $x
  br $b1
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 154
  memory.fill
  nop
  end
  block $b2
  local.get $a
  local.get $b
  i32.or
  if (result i32)
  global.get $g
  local.get $a
  i32.const 3
  call_indirect (type $t)
  else
  local.get $b
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  end
  local.set $x
  local.get $a
  i32.const 56
  i32.xor
  if $i3
  block (result i32 i32)
  global.get $g
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  br_if $i3
  i32.const 1
  local.set $c1
  block $w5
  loop $l4
  local.get $c1
  i32.const 0
  i32.le_s
  br_if $w5
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  br $i3
  local.get $b
  i32.const 112
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1023
  i32.and
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $x
  end
  i32.const 4
  memory.fill
  br $l4
  end
  end
  end
  end
  nop
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.eqz
  global.set $g
  local.get $a
  local.get $b
  i32.or
  local.get $x
  i32.const 89
  i32.const 1
  i32.or
  i32.div_u
  i32.const 2
  call_indirect (type $t))
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  local.get $b
  call $f3
  return
  nop
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  block $v1 (result i32)
  local.get $b
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.shl)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $x
  if (result i32)
  i32.const 73
  else
  global.get $g
  end
  local.get $a
  i32.eqz
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  nop
  i32.const 0
  memory.grow
  global.set $g
  local.get $b
  i32.eqz
  i32.eqz)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 0
  memory.grow
  global.set $g
  block $b1
  i32.const 38
  i32.const -3
  i32.sub
  br_if $b1
  end
  global.get $g
  global.get $g
  i32.or
  i32.eqz))
