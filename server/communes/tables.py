from piccolo.columns import ForeignKey, Integer, Varchar
from piccolo.table import Table


class Province(Table, tablename="province"):
    code = Varchar(length=2, primary_key=True)
    name = Varchar(length=100)
    # "tỉnh" or "thành phố trung ương"
    kind = Varchar(length=32)
    position = Integer(default=0)


class Commune(Table, tablename="commune"):
    code = Varchar(length=5, primary_key=True)
    province = ForeignKey(references=Province, index=True)
    name = Varchar(length=100)
    # "xã", "phường" or "đặc khu"
    kind = Varchar(length=16)
    # The receiving agency: the commune's People's Committee.
    agency_name = Varchar(length=150)
