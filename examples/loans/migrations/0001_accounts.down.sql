DROP TABLE transactions;
DROP TABLE accounts;
