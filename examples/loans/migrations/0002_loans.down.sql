DROP TABLE loan_events;
DROP TABLE loans;
