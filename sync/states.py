"""The dossier's life, numbered as the national portal numbers it. The server is
the authority: a mutation not allowed in the current state is rejected with it."""

from __future__ import annotations

from enum import IntEnum


class State(IntEnum):
    DRAFT = 0  # owned by the device, mirrored to the server
    SUBMITTED = 1  # mới đăng ký
    RECEIVED = 2  # được tiếp nhận
    NOT_RECEIVED = 3  # không được tiếp nhận
    PROCESSING = 4  # đang xử lý
    SUPPLEMENT_REQUESTED = 5  # yêu cầu bổ sung giấy tờ
    FEE_REQUESTED = 6  # yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWAL_REQUESTED = 7  # công dân yêu cầu rút hồ sơ
    STOPPED = 8  # dừng xử lý
    DONE = 9  # đã xử lý xong
    RETURNED = 10  # đã trả kết quả


LABELS = {
    State.DRAFT: ("Bản nháp", "Draft"),
    State.SUBMITTED: ("Mới đăng ký", "Submitted"),
    State.RECEIVED: ("Được tiếp nhận", "Received"),
    State.NOT_RECEIVED: ("Không được tiếp nhận", "Not received"),
    State.PROCESSING: ("Đang xử lý", "Processing"),
    State.SUPPLEMENT_REQUESTED: ("Yêu cầu bổ sung giấy tờ", "More documents requested"),
    State.FEE_REQUESTED: ("Yêu cầu thực hiện nghĩa vụ tài chính", "Fee requested"),
    State.WITHDRAWAL_REQUESTED: ("Công dân yêu cầu rút hồ sơ", "Withdrawal requested"),
    State.STOPPED: ("Dừng xử lý", "Processing stopped"),
    State.DONE: ("Đã xử lý xong", "Done"),
    State.RETURNED: ("Đã trả kết quả", "Result returned"),
}

# What the person's device may do, by mutation kind: the states it is allowed in.
DEVICE_MUTATIONS: dict[str, frozenset[State]] = {
    "create_draft": frozenset(),  # the dossier must not exist yet
    "edit_draft": frozenset({State.DRAFT}),
    "attach": frozenset({State.DRAFT, State.SUPPLEMENT_REQUESTED}),
    "detach": frozenset({State.DRAFT, State.SUPPLEMENT_REQUESTED}),
    "submit": frozenset({State.DRAFT}),
    "withdraw": frozenset(
        {
            State.SUBMITTED,
            State.RECEIVED,
            State.PROCESSING,
            State.SUPPLEMENT_REQUESTED,
            State.FEE_REQUESTED,
        }
    ),
    "answer_supplement": frozenset({State.SUPPLEMENT_REQUESTED}),
    "resolve_conflict": frozenset({State.DRAFT, State.SUPPLEMENT_REQUESTED}),
    "rate": frozenset({State.DONE, State.RETURNED}),
    "delete_draft": frozenset({State.DRAFT}),  # a submitted dossier is withdrawn instead
}


def label(state: int, lang: str = "vi") -> str:
    vi, en = LABELS[State(state)]
    return vi if lang == "vi" else en


# Received and not yet decided: the desk is working the dossier.
_BEING_PROCESSED = frozenset(
    {State.RECEIVED, State.PROCESSING, State.SUPPLEMENT_REQUESTED, State.FEE_REQUESTED}
)

# Received and not finished: the desk still owes the person a result, so the date
# promised to them can pass (the overdue rule: server/desk/queue.py is_overdue, the
# app's pwa/src/overdue.ts; shared vectors in tests/vectors/overdue.json).
OPEN_STATES = frozenset(
    {
        State.RECEIVED,
        State.PROCESSING,
        State.SUPPLEMENT_REQUESTED,
        State.FEE_REQUESTED,
        State.WITHDRAWAL_REQUESTED,
    }
)

# What the desk may do, by action: (states it is allowed in, the state it leads to).
# None as the target keeps the state (a message, a duplicate decision).
DESK_ACTIONS: dict[str, tuple[frozenset[State], State | None]] = {
    "receive": (frozenset({State.SUBMITTED}), State.RECEIVED),
    "refuse": (frozenset({State.SUBMITTED}), State.NOT_RECEIVED),
    "start": (frozenset({State.RECEIVED}), State.PROCESSING),
    "request_documents": (
        frozenset({State.RECEIVED, State.PROCESSING}),
        State.SUPPLEMENT_REQUESTED,
    ),
    "request_fee": (frozenset({State.RECEIVED, State.PROCESSING}), State.FEE_REQUESTED),
    "record_payment": (frozenset({State.FEE_REQUESTED}), State.PROCESSING),
    "stop": (
        frozenset(
            {State.RECEIVED, State.PROCESSING, State.SUPPLEMENT_REQUESTED, State.FEE_REQUESTED}
        ),
        State.STOPPED,
    ),
    "complete": (frozenset({State.PROCESSING}), State.DONE),
    "return_result": (frozenset({State.DONE}), State.RETURNED),
    "accept_withdrawal": (frozenset({State.WITHDRAWAL_REQUESTED}), State.STOPPED),
    "message": (frozenset(set(State) - {State.DRAFT}), None),
    # While the dossier is being worked; the state stays, the due date moves
    # (server/desk/deadlines.py). The apology also needs the dossier to be overdue.
    "extend_for_verification": (_BEING_PROCESSED, None),
    "apologise": (_BEING_PROCESSED, None),
    "mark_duplicate": (frozenset({State.SUBMITTED}), State.NOT_RECEIVED),
    "mark_not_duplicate": (frozenset(set(State) - {State.DRAFT}), None),
}
