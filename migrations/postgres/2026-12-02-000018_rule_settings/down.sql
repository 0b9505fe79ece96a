DROP TABLE rule_settings;
