#!/usr/bin/env bash
# Printed by `make run` before the server starts: where to go and who to log in as.
url=$1
cat <<TEXT

  Thesaban — ระบบแผนที่ภาษีและทะเบียนทรัพย์สินของเทศบาล
  เปิด / open:  $url

  บัญชีทดลอง (ข้อมูลสังเคราะห์) / demo logins, password: thesaban-demo
    บทบาท / role              ลำพญา (Lam Phaya)       ตาคลี (Takhli)
    ผู้ดูแลระบบ / admin         lamphaya-admin          takhli-admin
    นักวิชาการจัดเก็บรายได้     lamphaya-officer        takhli-officer
    วิศวกร / engineer           lamphaya-engineer       takhli-engineer
    ผู้บริหาร / executive        lamphaya-executive      takhli-executive
    ผู้ตรวจสอบ / auditor        lamphaya-auditor        takhli-auditor

TEXT
