-- YFCC100M's SQLite edition (yfcc100m_dataset.sql): the one table, its 23
-- fields as named columns.  Read by the tests and bench/sqlite that make
-- databases in the published schema.
CREATE TABLE yfcc100m_dataset (photoid INTEGER, uid TEXT, unickname TEXT,
  datetaken TEXT, dateuploaded TEXT, capturedevice TEXT, title TEXT,
  description TEXT, usertags TEXT, machinetags TEXT, longitude REAL,
  latitude REAL, accuracy INTEGER, pageurl TEXT, downloadurl TEXT,
  licensename TEXT, licenseurl TEXT, serverid INTEGER, farmid INTEGER,
  secret TEXT, secretoriginal TEXT, ext TEXT, marker INTEGER);
