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
  global.get $g
  global.get $g
  i32.xor
  i32.eqz
  local.set $x
  nop
  i32.const 3
  i32.const 216
  global.get $g
  local.get $b
  select
  i32.const 3
  i32.and
  call $rec
  global.set $g
  local.get $a
  i32.const 8
  i32.const 1
  i32.or
  i32.div_u
  local.get $b
  local.get $a
  i32.rotl
  i32.xor)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  nop
  local.get $x
  global.get $g
  i32.rotl
  return
  i32.const 1
  drop
  i32.const 3
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  block $v2 (result i32)
  i32.const 165
  i32.const 211
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  i32.const 3
  block (result i32 i32)
  local.get $x
  i32.const 140
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  call $rec
  i32.store
  nop
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  global.get $g
  local.get $x
  i32.rotl
  i32.const 179
  memory.fill
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  block (result i32 i32)
  local.get $a
  i32.const 78
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  return
  block
  nop
  end
  block $v3 (result i32)
  global.get $g
  local.get $x
  br_if $v3
  i32.const 7
  i32.add
  end
  if (result i32)
  block $v4 (result i32)
  i32.const 298
  local.get $b
  br_if $v4
  i32.const 7
  i32.add
  end
  else
  local.get $b
  local.get $b
  i32.rotl
  end)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  local.get $x
  local.get $x
  call $f4
  i32.const 1023
  i32.and
  block (result i32 i32)
  i32.const 275
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 200
  memory.fill
  block $b1
  local.get $x
  i32.const 286
  i32.xor
  i32.const 511
  i32.and
  local.get $x
  local.get $x
  call $f4
  i32.const 511
  i32.and
  i32.const 0
  memory.copy
  br $b1
  unreachable
  end
  i32.const 3
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l2
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  i32.const 3
  local.get $a
  local.get $b
  i32.and
  i32.const 3
  i32.and
  call $rec)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local i64)
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
  i32.const 2
  local.set $c2
  loop $l3
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  block $v4 (result i32)
  global.get $g
  global.get $g
  br_if $v4
  i32.const 7
  i32.add
  end
  i32.eqz
  i32.eqz
  local.get $c2
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l3
  nop
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  global.get $g
  global.get $g
  i32.xor
  i32.const 1020
  i32.and
  i32.const 124
  i32.const 102
  i32.shl
  i32.eqz
  i32.store
  br $l1
  end
  end
  local.get $b
  local.get $b
  i32.shr_u
  block $v5 (result i32)
  global.get $g
  local.get $b
  br_if $v5
  i32.const 7
  i32.add
  end
  i32.rotl
  local.set $a
  i32.const 197
  global.get $g
  call $f4
  local.get $b
  local.get $a
  i32.and
  i32.sub)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  block $v1 (result i32)
  i32.const 208
  local.get $b
  i32.add
  memory.size
  br_if $v1
  i32.const 7
  i32.add
  end))
