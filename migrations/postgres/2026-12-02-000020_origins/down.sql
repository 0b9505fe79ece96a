DROP TABLE origins;
